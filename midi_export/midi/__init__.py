"""Record -> Standard MIDI File bytes, in memory (pure: no network, no files, no printing).

``convert.convert`` is the short orchestrator of the stages, each in a module of its own:
``tempo_choice`` (which tempo map), ``tempo_map`` (seconds -> ticks) with ``pickup`` (the
lead-in before the first downbeat), ``quantize``, ``notes`` (velocity, zero length, the
same-pitch rules), ``channels`` (the drum channel and the rest), ``smf`` (the byte
encoder), ``report`` (what was written) and ``conversion`` (the result).
"""
