"""What the notes say, as pure analysis: General MIDI programs from instrument names (``gm``),
the percussion kit's pieces (``drums``), and tempo and downbeat (``tempo``, from ``onsets``,
``periodicity`` and ``downbeat``). No I/O; numpy only inside the estimator's functions.
"""
