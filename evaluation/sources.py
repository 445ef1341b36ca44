"""Every song of the music evaluation (tempo, downbeat, metre, key), as a ``Song`` and its truth.

Groups (each song's ``truth["group"]``):

- ``synthetic``: the 96 seeded songs of ``make_set.py`` (4/4, key known);
- ``debian``: the 38 real steady-tempo songs of openttd-openmsx and planetblupi-music-midi (GPL);
- ``freedoom``: the MIDI music lumps of Debian's ``freedoom`` WADs (BSD-3-Clause), steady tempo
  and one time signature only;
- ``mma``: songs made here by Debian's ``mma`` (Musical MIDI Accompaniment, GPL-2) from seeded
  chord charts over its own groove library: waltzes (3/4), 6/8 grooves, 12/8 grooves (MMA
  writes those as 4/4 with triplets; musically, and here, they are 12/8) and 4/4 controls.
  Drums, bass and chords; key = the chart's key;
- ``m21``: music21's bundled corpus (BSD-3 for the library; the corpus files are public-domain
  or freely licensed per their headers): folk tunes from O'Neill's 1850, Ryan's Mammoth,
  Essen and Aird's Airs (jigs in 6/8, slip jigs in 9/8, waltzes and airs in 3/4, polkas in
  2/4, reels and hornpipes), and Bach chorales (4 parts as a string quartet). A tempo drawn per
  piece from its type's usual range, a short silence before it, pickups kept.

Ground truth (``truth``): ``bpm`` (quarter notes per minute, as MIDI writes it), ``first_downbeat``
(s, the first bar line at or after the first note), ``metre`` ("6/8"), ``pulses`` (beats per
bar counted in the felt pulse: 6/8 -> 2, 9/8 -> 3, 12/8 -> 4), ``division`` ("simple" or
"compound"), ``metre_class`` (what a writer should write: 2/2 counts as 4/4; metres outside
2/4 3/4 4/4 6/8 9/8 12/8 are "other" and left out of metre scoring), ``key`` ([tonic pc, mode]
or None when not known).
"""

from __future__ import annotations

import contextlib
import math
import random
import re
import subprocess
import sys
import warnings
import zlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:
    sys.path.insert(0, str(HERE.parent))

from evaluation import make_set as ms  # noqa: E402
from evaluation.make_set import TICK, Song, Track, _q192, _vel  # noqa: E402

REAL = HERE / "real"  # the Debian packages, unpacked by get_real_midi.sh
MMA_HOME = REAL / "usr" / "share" / "mma"
MMA = REAL / "usr" / "bin" / "mma"
FREEDOOM_WADS = REAL / "usr" / "share" / "games" / "doom"
CACHE = HERE / "cache"
FREEDOOM_DIR = CACHE / "freedoom"  # the MIDI lumps of Freedoom's WADs
MMA_DIR = CACHE / "mma"  # the MMA songs made here

CLASSES = ("2/4", "3/4", "4/4", "6/8", "9/8", "12/8")


def metre_info(num: int, den: int) -> dict[str, Any]:
    """pulses, division and the class a writer should produce for a written time signature."""
    if den == 8 and num in (6, 9, 12):
        return {"pulses": num // 3, "division": "compound", "metre_class": f"{num}/8"}
    if den == 4 and num in (2, 3, 4):
        return {"pulses": num, "division": "simple", "metre_class": f"{num}/4"}
    if den == 2 and num == 2:
        return {"pulses": 2, "division": "simple", "metre_class": "4/4"}
    return {"pulses": num, "division": "other", "metre_class": "other"}


def quarters_per_bar(num: int, den: int) -> float:
    return num * 4.0 / den


def truth_of(song: Song, *, group: str, metre: tuple[int, int], key: Any = None,
             licence: str = "", extra: dict[str, Any] | None = None) -> dict[str, Any]:
    num, den = metre
    info = metre_info(num, den)
    out = {
        "name": song.name, "group": group, "source": song.source, "style": song.style,
        "bpm": song.bpm, "first_downbeat": song.first_downbeat, "metre": f"{num}/{den}",
        "bar_seconds": quarters_per_bar(num, den) * 60.0 / song.bpm,
        "key": list(key) if key else None, "has_drums": song.has_drums, "lead": song.lead,
        "licence": licence, "notes": song.note_count, "duration": round(song.duration, 3),
        **info,
    }
    if extra:
        out.update(extra)
    return out


# --------------------------------------------------------------------------- synthetic, debian


def synthetic() -> Iterator[tuple[Song, dict[str, Any]]]:
    for s in ms.make_set(96, ms.DEFAULT_SEED):
        yield s, truth_of(s, group="synthetic", metre=(4, 4), key=s.key, licence="generated",
                          extra={"swing": s.swing})


def _file_metre(path: Path) -> tuple[tuple[int, int], int]:
    import pretty_midi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        pm = pretty_midi.PrettyMIDI(str(path))
    sigs = pm.time_signature_changes
    first = (sigs[0].numerator, sigs[0].denominator) if sigs else (4, 4)
    distinct = {(s.numerator, s.denominator) for s in sigs}
    return first, len(distinct)


def debian() -> Iterator[tuple[Song, dict[str, Any]]]:
    for package, path in ms.real_midi_files():
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            song = ms.midi_file_to_song(path, package=package)
        if song is None:
            continue
        metre, n = _file_metre(path)
        lic = "GPL-2.0" if package == "openttd-openmsx" else "GPL-3+"
        t = truth_of(song, group="debian", metre=metre, licence=lic)
        if n > 1:
            t["metre_class"] = "other"
        yield song, t


def _has_time_signature(path: Path) -> bool:
    import pretty_midi

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return bool(pretty_midi.PrettyMIDI(str(path)).time_signature_changes)


def extract_freedoom(wads: Path, out: Path) -> int:
    """Write the MIDI music lumps (``D_*``) of freedoom1.wad and freedoom2.wad into ``out``
    (each distinct file once); returns how many."""
    import hashlib
    import struct

    out.mkdir(parents=True, exist_ok=True)
    seen: set[str] = set()
    for wad in ("freedoom1.wad", "freedoom2.wad"):
        data = (wads / wad).read_bytes()
        _, n, offset = struct.unpack("<4sii", data[:12])
        for i in range(n):
            start, size, raw = struct.unpack("<ii8s", data[offset + 16 * i: offset + 16 * i + 16])
            name = raw.rstrip(b"\0").decode()
            lump = data[start: start + size]
            if name.startswith("D_") and lump[:4] == b"MThd":
                digest = hashlib.sha1(lump).hexdigest()
                if digest in seen:
                    continue
                seen.add(digest)
                (out / f"{wad[:9]}-{name.lower()}.mid").write_bytes(lump)
    return len(seen)


def freedoom() -> Iterator[tuple[Song, dict[str, Any]]]:
    """Freedoom's MIDI lumps. Left out: files with more than one time signature, and files at
    95 BPM without any time signature: those were converted from Doom's MUS format, which has
    no tempo, and 95 is the converter's default, not the music's (their notes fit 63 or 126
    BPM grids, not 95)."""
    if not FREEDOOM_WADS.is_dir():
        print("freedoom: not unpacked (bash evaluation/get_real_midi.sh); skipped")
        return
    if not FREEDOOM_DIR.is_dir():
        extract_freedoom(FREEDOOM_WADS, FREEDOOM_DIR)
    for path in sorted(FREEDOOM_DIR.glob("*.mid")):
        metre, n = _file_metre(path)
        if n > 1:
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                song = ms.midi_file_to_song(path, package="freedoom")
            except Exception:
                continue
        if song is None or song.duration < 20:
            continue
        if abs(song.bpm - 95.0) < 1e-6 and not _has_time_signature(path):
            continue
        song.name = f"freedoom-{path.stem}"
        yield song, truth_of(song, group="freedoom", metre=metre, licence="BSD-3-Clause")


# --------------------------------------------------------------------------- mma

# groove, musical metre, MMA "Time" (MMA beats per bar), range of MMA's Tempo
MMA_GROOVES = (
    ("Waltz", (3, 4), 3, (96, 160)), ("JazzWaltz", (3, 4), 3, (110, 180)),
    ("CountryWaltz", (3, 4), 3, (90, 150)), ("FrenchWaltz", (3, 4), 3, (110, 170)),
    ("RockWaltz", (3, 4), 3, (90, 150)), ("VieneseWaltz", (3, 4), 3, (150, 195)),
    ("LatinWaltz", (3, 4), 3, (100, 160)), ("BroadwayWaltz", (3, 4), 3, (100, 160)),
    ("ArpeggioWaltz", (3, 4), 3, (90, 150)), ("ModernJazzWaltz", (3, 4), 3, (110, 170)),
    ("FastWaltz", (3, 4), 3, (150, 195)),
    ("68March", (6, 8), 2, (96, 126)), ("68Swing", (6, 8), 6, (160, 260)),
    ("Ballad68", (6, 8), 4, (80, 130)), ("Blues68", (6, 8), 6, (150, 240)),
    ("Arpeggio68", (6, 8), 6, (150, 240)),
    ("Ballad128", (12, 8), 4, (50, 80)), ("Blues128", (12, 8), 4, (54, 86)),
    ("Rock128", (12, 8), 4, (56, 90)),
    ("8Beat", (4, 4), 4, (90, 140)), ("Swing", (4, 4), 4, (110, 180)),
    ("BossaNova", (4, 4), 4, (110, 150)), ("Folk", (4, 4), 4, (90, 140)),
    ("Blues", (4, 4), 4, (80, 130)), ("PopBallad", (4, 4), 4, (66, 96)),
    ("Foxtrot", (4, 4), 4, (110, 150)), ("CountrySwing", (4, 4), 4, (110, 170)),
    ("50sRock", (4, 4), 4, (120, 180)), ("BasicRock", (4, 4), 4, (100, 150)),
    ("ShuffleBoggie", (4, 4), 4, (100, 150)),
)
_PER_METRE = {(3, 4): 3, (6, 8): 4, (12, 8): 6, (4, 4): 2}
_NAMES_SHARP = ("C", "C#", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
_MAJ = {"I": (0, ""), "ii": (2, "m"), "iii": (4, "m"), "IV": (5, ""), "V": (7, ""),
        "V7": (7, "7"), "vi": (9, "m"), "ii7": (2, "m7")}
_MIN = {"i": (0, "m"), "iv": (5, "m"), "V": (7, ""), "V7": (7, "7"), "III": (3, ""),
        "VI": (8, ""), "VII": (10, ""), "iio": (2, "dim")}
_PROG_MAJ = (("I", "vi", "IV", "V7"), ("I", "IV", "V7", "I"), ("I", "V", "vi", "IV"),
             ("ii7", "V7", "I", "vi"), ("I", "iii", "IV", "V"))
_PROG_MIN = (("i", "iv", "V7", "i"), ("i", "VI", "III", "VII"), ("i", "VII", "VI", "V7"),
             ("i", "iv", "VII", "III"))


def _chart(rng: random.Random, tonic: int, minor: bool, bars: int, two_per_bar: bool) -> list[str]:
    table = _MIN if minor else _MAJ
    progs = _PROG_MIN if minor else _PROG_MAJ
    a, b = rng.choice(progs), rng.choice(progs)
    out = []
    for bar in range(bars):
        block = a if (bar // 8) % 2 == 0 else b
        sym = block[bar % 4]
        if bar == bars - 2:
            sym = "V7"
        if bar == bars - 1 or bar == 0:
            sym = "i" if minor else "I"
        iv, q = table[sym]
        name = _NAMES_SHARP[(tonic + iv) % 12] + q
        if two_per_bar and bar % 4 == 3 and bar < bars - 2:
            iv2, q2 = table["V7"]
            out.append(f"{name} {_NAMES_SHARP[(tonic + iv2) % 12] + q2}")
        else:
            out.append(name)
    return out


_MMA_ENV = {"MMA_HOME": str(MMA_HOME), "PATH": "/usr/bin:/bin", "PYTHONHASHSEED": "0"}


def mma_files(seed: int = 11, prefix: str = "mma") -> Iterator[tuple[str, Path, dict[str, Any]]]:
    """Write (once) and return the MMA songs: name, .mid path, facts."""
    if not MMA.is_file():
        print("mma: not unpacked (bash evaluation/get_real_midi.sh); skipped")
        return
    MMA_DIR.mkdir(parents=True, exist_ok=True)
    if not (MMA_HOME / "lib" / "stdlib" / ".mmaDB").exists():
        subprocess.run([sys.executable, str(MMA), "-G"], check=True,
                       env=_MMA_ENV,
                       capture_output=True, timeout=600)
    for groove, metre, time_beats, (lo, hi) in MMA_GROOVES:
        for k in range(_PER_METRE[metre]):
            name = f"{prefix}-{groove.lower()}-{k}"
            rng = random.Random(f"mma:{seed}:{name}")
            tempo = rng.randint(lo, hi)
            tonic = rng.randrange(12)
            minor = rng.random() < 0.4
            bar_s = time_beats * 60.0 / tempo
            bars = max(16, min(48, round(80.0 / bar_s / 4) * 4))
            chart = _chart(rng, tonic, minor, bars, metre == (4, 4) and rng.random() < 0.5)
            # RndSeed: MMA humanises with Python's random; seeded, the song is the same
            # on every machine (and PYTHONHASHSEED below keeps its set order fixed)
            text = [f"// {name}: {groove} {metre[0]}/{metre[1]}",
                    f"RndSeed {zlib.crc32(name.encode()) % 100000}", f"Tempo {tempo}",
                    f"Groove {groove}"]
            text += [f"{i + 1} {c}" for i, c in enumerate(chart)]
            src = MMA_DIR / f"{name}.mma"
            mid = MMA_DIR / f"{name}.mid"
            body = "\n".join(text) + "\n"
            if not mid.exists() or not src.exists() or src.read_text() != body:
                src.write_text(body)
                subprocess.run([sys.executable, str(MMA), str(src), "-f", str(mid)], check=True,
                               env=_MMA_ENV,
                               capture_output=True, timeout=120)
            yield name, mid, {"groove": groove, "metre": metre, "mma_tempo": tempo,
                              "bar_seconds": bar_s, "key": (tonic, "minor" if minor else "major")}


def mma(seed: int = 11, prefix: str = "mma", group: str = "mma"
        ) -> Iterator[tuple[Song, dict[str, Any]]]:
    for name, mid, facts in mma_files(seed, prefix):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            song = ms.midi_file_to_song(mid, package="mma")
        if song is None:
            continue
        num, den = facts["metre"]
        bar_s = facts["bar_seconds"]
        song.name = name
        song.style = facts["groove"]
        song.bpm = round(quarters_per_bar(num, den) * 60.0 / bar_s, 4)
        first = min(n[1] for t in song.tracks for n in t.notes)
        song.first_downbeat = round(math.ceil((first - 0.03) / bar_s) * bar_s, 6)
        song.source = "mma"
        yield song, truth_of(song, group=group, metre=(num, den), key=facts["key"],
                             licence="GPL-2 (mma 21.09 grooves; charts generated here)",
                             extra={"mma_tempo": facts["mma_tempo"]})


# --------------------------------------------------------------------------- music21 corpus

# (collection substring, metre, rhythm filter or None, how many, quarter-BPM range, GM name)
M21_FOLK = (
    ("oneills1850", "6/8", None, 30, (150, 186), "Violin"),
    ("ryansMammoth", "6/8", None, 25, (150, 186), "Flute"),
    ("essenFolksong", "6/8", None, 25, (90, 135), "Acoustic Grand Piano"),
    ("oneills1850", "9/8", None, 14, (150, 180), "Violin"),
    ("ryansMammoth", "9/8", None, 10, (150, 180), "Flute"),
    ("oneills1850", "3/4", None, 20, (100, 160), "Violin"),
    ("essenFolksong", "3/4", None, 25, (90, 150), "Acoustic Grand Piano"),
    ("airdsAirs", "3/4", None, 10, (90, 150), "Flute"),
    ("ryansMammoth", "2/4", None, 20, (100, 140), "Accordion"),
    ("essenFolksong", "2/4", None, 20, (90, 140), "Acoustic Grand Piano"),
    ("oneills1850", "C|", None, 15, (140, 190), "Violin"),
    ("essenFolksong", "4/4", None, 15, (80, 130), "Acoustic Grand Piano"),
    ("airdsAirs", "12/8", None, 10, (100, 140), "Flute"),
    ("essenFolksong", "12/8", None, 10, (90, 130), "Acoustic Grand Piano"),
)
_MODE_RE = re.compile(r"^([A-G][#b]?)\s*(m|min|minor|maj|major|mix|dor|phr|lyd|loc|aeo|ion)?",
                      re.I)
_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}


def _abc_key(k: str) -> tuple[int, str] | None:
    m = _MODE_RE.match(k.strip())
    if not m:
        return None
    pc = (_PC[m.group(1)[0].upper()] + (1 if "#" in m.group(1) else -1 if "b" in m.group(1)
                                         else 0)) % 12
    mode = (m.group(2) or "").lower()
    if mode in ("", "maj", "major", "ion"):
        return pc, "major"
    if mode in ("m", "min", "minor", "aeo"):
        return pc, "minor"
    return None  # modal


def _abc_tunes(collection: str, metre: str) -> list[tuple[str, str]]:
    from music21 import corpus

    out = []
    for p in sorted(corpus.getCorePaths(), key=str):
        if collection not in str(p) or not str(p).endswith(".abc"):
            continue
        txt = Path(p).read_text(errors="replace")
        for tune in re.split(r"\n(?=X:)", txt):
            m = re.search(r"^M:\s*(\S+)", tune, re.M)
            if m and m.group(1) == metre and re.search(r"^K:", tune, re.M):
                out.append((f"{Path(p).stem}", tune if tune.startswith("X:") else "X:1\n" + tune))
    return out


def _key_truth(given: tuple[int, str] | None, sharps: int, last_pc: int | None
               ) -> tuple[int, str] | None:
    """The key from the signature (or the given key) confirmed by the final note."""
    if last_pc is None:
        return None
    major = (7 * sharps) % 12
    minor = (major + 9) % 12
    if given is not None and given[0] == last_pc:
        return given
    if last_pc == major:
        return major, "major"
    if last_pc == minor:
        return minor, "minor"
    return None


def _score_notes(score: Any) -> tuple[list[list[tuple[int, float, float, float]]], float, float,
                                     int, int | None, tuple[int, int]]:
    """Per part: (pitch, start qL, end qL, velocity); the first downbeat in qL; the bar in qL;
    the key signature's sharps; the last (lowest) note's pitch class; the time signature."""
    from music21 import meter

    parts = list(score.parts) if hasattr(score, "parts") and len(score.parts) else [score]
    out = []
    down_q = 0.0
    bar_q = 4.0
    sharps = 0
    last_pc: int | None = None
    ts = (4, 4)
    for pi, part in enumerate(parts):
        part = part.stripTies()
        measures = list(part.getElementsByClass("Measure"))
        if pi == 0 and measures:
            m0 = measures[0]
            tss = part.recurse().getElementsByClass(meter.TimeSignature)
            if tss:
                ts = (tss[0].numerator, tss[0].denominator)
                bar_q = float(tss[0].barDuration.quarterLength)
            ks = part.recurse().getElementsByClass("KeySignature")
            if ks:
                sharps = int(ks[0].sharps)
            if len(measures) > 1 and (float(m0.paddingLeft) > 0 or
                                      float(m0.duration.quarterLength) < bar_q - 1e-6):
                down_q = float(measures[1].offset)
        notes = []
        for n in part.recurse().notes:
            if n.duration.quarterLength <= 0:
                continue
            start = float(n.getOffsetInHierarchy(part))
            end = start + float(n.duration.quarterLength)
            for p in n.pitches:
                notes.append((int(p.midi), start, end, 0.7))
        out.append(notes)
    ends = [(e, p) for notes in out for p, _, e, _ in notes]
    if ends:
        top = max(e for e, _ in ends)
        last_pc = min(p for e, p in ends if e >= top - 1e-6) % 12
    return out, down_q, bar_q, sharps, last_pc, ts


def _m21_song(name: str, score: Any, rng: random.Random, bpm_range: tuple[int, int],
              gm_names: list[str], given_key: tuple[int, str] | None, group_style: str
              ) -> tuple[Song, dict[str, Any]] | None:
    parts, down_q, bar_q, sharps, last_pc, ts = _score_notes(score)
    if not any(parts):
        return None
    bpm = float(rng.randint(*bpm_range))
    spq = 60.0 / bpm
    lead = round(rng.uniform(0.2, 1.5), 3)
    jitter = rng.uniform(0.003, 0.008)
    tracks = []
    for notes, gm in zip(parts, gm_names, strict=False):
        tr = []
        for p, s, e, v in notes:
            st = max(0.0, _q192(lead + s * spq + rng.gauss(0, jitter)))
            en = max(st + TICK, _q192(lead + e * spq * 0.98 - 0.01))
            vel = _vel(v * 127 * (1.1 if abs(s / bar_q - round(s / bar_q)) < 1e-6 else 1.0)
                       * rng.uniform(0.9, 1.1))
            tr.append((p, st, en, vel))
        if tr:
            tr.sort(key=lambda n: (n[1], n[0]))
            tracks.append(Track(gm, tr))
    first = min(n[1] for t in tracks for n in t.notes)
    bar_s = bar_q * spq
    down = lead + down_q * spq
    down = down + math.ceil((first - 0.03 - down) / bar_s) * bar_s
    song = Song(name=name, style=group_style, bpm=bpm, first_downbeat=round(down, 6),
                beats_per_bar=int(ts[0]), has_drums=False, swing=0.5, swing_level=0,
                jitter_ms=round(1000 * jitter, 2), lead="pickup" if down_q else "silence",
                pickup_beats=down_q, tracks=tracks, source="music21")
    key = _key_truth(given_key, sharps, last_pc)
    return song, truth_of(song, group="m21", metre=ts, key=key,
                          licence="music21 corpus (see music21/corpus license notes)",
                          extra={"pickup_q": down_q})


def m21_folk(part: str = "eval") -> Iterator[tuple[Song, dict[str, Any]]]:
    """The eval tunes are the first ``count`` usable ones of each shuffled list; the dev tunes
    (``part="dev"``) the next ``count``, so the two never share a tune."""
    from music21 import converter

    for coll, metre, _, count, bpm_range, gm in M21_FOLK:
        tunes = _abc_tunes(coll, metre)
        rng = random.Random(f"m21:{coll}:{metre}")
        rng.shuffle(tunes)
        got = 0
        for stem, text in tunes:
            if got >= 2 * count or (part == "eval" and got >= count):
                break
            kf = re.search(r"^K:\s*(.+)$", text, re.M)
            given = _abc_key(kf.group(1)) if kf else None
            xm = re.search(r"^X:\s*(\d+)", text, re.M)
            name = f"m21-{coll}-{stem}-{xm.group(1) if xm else 0}".replace("_", "-")
            try:
                with warnings.catch_warnings():
                    warnings.simplefilter("ignore")
                    score = converter.parse(text, format="abc")
                    with contextlib.suppress(Exception):  # repeats that do not expand
                        score = score.expandRepeats()
            except Exception:
                continue
            res = _m21_song(name, score, random.Random(name), bpm_range, [gm], given,
                            f"{coll} {metre}")
            if res is None or res[0].duration < 12 or res[0].note_count < 24:
                continue
            got += 1
            if (part == "eval") == (got <= count):
                if part == "dev":
                    res[1]["group"] = "dev-m21"
                yield res


def m21_chorales(count: int = 40, part: str = "eval") -> Iterator[tuple[Song, dict[str, Any]]]:
    from music21 import corpus

    paths = sorted((p for p in corpus.getCorePaths()
                    if "/bach/" in str(p) and re.search(r"bwv\d+\.\d+\.mxl$", str(p))), key=str)
    rng = random.Random("m21:chorales")
    rng.shuffle(paths)
    got = 0
    for p in paths:
        if got >= 2 * count or (part == "eval" and got >= count):
            break
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                score = corpus.parse(p)
        except Exception:
            continue
        if len(score.parts) != 4:
            continue
        name = f"m21-bach-{Path(p).stem}".replace(".", "-")
        res = _m21_song(name, score, random.Random(name), (66, 100),
                        ["Violin", "Viola", "Cello", "Contrabass"], None, "bach chorale")
        if res is None:
            continue
        got += 1
        if (part == "eval") == (got <= count):
            if part == "dev":
                res[1]["group"] = "dev-m21"
            yield res


def dev_synthetic() -> Iterator[tuple[Song, dict[str, Any]]]:
    """Songs of the same generator with another seed (as evaluation/fit_weights.py uses)."""
    for i, s in enumerate(ms.make_set(48, 1)):
        s.name = f"dev-syn-{i:03d}-{s.style}"
        yield s, truth_of(s, group="dev-synthetic", metre=(4, 4), key=s.key, licence="generated",
                          extra={"swing": s.swing})


GROUPS = {
    "synthetic": synthetic, "debian": debian, "freedoom": freedoom, "mma": mma,
    "m21": lambda: (x for f in (m21_folk, m21_chorales) for x in f()),
    # the development split: the metre weights are fitted here, never on the groups above
    "dev-synthetic": dev_synthetic,
    "dev-mma": lambda: mma(12, "mmadev", "dev-mma"),
    "dev-m21": lambda: (x for f in (m21_folk, m21_chorales) for x in f(part="dev")),
}
