"""The HTTP API, the only package that imports ``requests`` (and only on the first request).

``client`` (``Client``: the public calls, retries and polling) over ``transport`` (sessions,
redirects, the answer cap), ``answers`` (what each answer means) and ``safety`` (the key:
https only, never off-origin, scrubbed from every text).
"""
