"""The ``gita-tales`` command line: a stable contract used by outside tools.

Subcommand names, options and JSON keys are kept exactly as documented in the README.
Errors print a clear message on stderr (and ``{"error": ...}`` on stdout with ``--json``)
and exit non-zero; nothing prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys

from . import __version__, open_studio
from .errors import GitaError


def _emit(obj: dict) -> None:
    print(json.dumps(obj, ensure_ascii=False))


def verse_to_json(studio, verse) -> dict:
    card = studio.library.card(verse)
    recitation = studio.library.recitation(verse)
    return {
        "ref": verse.ref,
        "chapter": verse.chapter,
        "verse": verse.verse,
        "speaker": verse.speaker,
        "sanskrit": verse.sanskrit,
        "transliteration": verse.transliteration,
        "word_meanings": verse.word_meanings,
        "translations": [t.model_dump() for t in verse.translations],
        "recitation": str(recitation) if recitation else None,
        "companion": card.model_dump() if card else None,
    }


def cmd_verse(args) -> int:
    studio = open_studio()
    verse = studio.library.verse(args.ref)
    if args.json:
        _emit(verse_to_json(studio, verse))
        return 0
    chapter = studio.library.chapter(verse.chapter)
    print(f"Bhagavad Gita {verse.ref} — Chapter {chapter.number}: {chapter.name_translation}")
    print(f"Speaker: {verse.speaker}\n")
    print(verse.sanskrit + "\n")
    print(verse.transliteration + "\n")
    for t in verse.translations:
        if args.all or t.author in (studio.settings.english_author, studio.settings.hindi_author):
            print(f"{t.author} ({t.language}): {t.text}\n")
    card = studio.library.card(verse)
    if card:
        print(f"For kids: {card.kid_meaning}\nBig idea: {card.big_idea}")
    return 0


def cmd_doctor(args) -> int:
    facts = open_studio().doctor()
    if args.json:
        _emit(facts)
    else:
        for c in facts["checks"]:
            mark = "ok " if c["ok"] else ("MISSING" if c["required"] else "note")
            print(f"[{mark:^7}] {c['name']}: {c['detail']}")
            if c["fix"] and not c["ok"]:
                print(f"          fix: {c['fix']}")
        print("\nAll required parts are present." if facts["ok"] else "\nSome required parts are missing: see the fixes above.")
    return 0 if facts["ok"] else 1


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gita-tales", description="Gita Tales: the Bhagavad Gita for children, offline.")
    parser.add_argument("--version", action="version", version=f"gita-tales {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("verse", help="print a verse: gita-tales verse 2.47")
    p.add_argument("ref", help='a reference such as "2.47", "BG 2:47" or "chapter 2 verse 47"')
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--all", action="store_true", help="print all seven translations")
    p.set_defaults(func=cmd_verse)

    p = sub.add_parser("doctor", help="check the environment and say how to fix what is missing")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except GitaError as exc:
        if getattr(args, "json", False):
            _emit({"error": str(exc), "type": type(exc).__name__})
        print(f"gita-tales: {exc}", file=sys.stderr)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
