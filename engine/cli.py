"""The ``gita-tales`` command line: a stable contract used by outside tools.

Subcommand names, options and JSON keys are kept exactly as documented in the README.
Errors print a clear message on stderr (and ``{"error": ...}`` on stdout with ``--json``)
and exit non-zero; nothing prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import json
import sys
import warnings
from collections.abc import Iterator

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


def _questions(arg: str) -> Iterator[str]:
    """The one question given, or with "-" one question per line of standard input."""
    if arg != "-":
        yield arg
        return
    for line in sys.stdin:
        yield line.rstrip("\n")


def cmd_search(args) -> int:
    studio = open_studio()
    studio.search_index(progress=_progress if not args.json else None)
    for question in _questions(args.question):
        try:
            hits = studio.search(question, k=args.k)
        except GitaError as exc:
            if args.question != "-":
                raise
            _emit({"error": str(exc), "type": type(exc).__name__})
            continue
        if args.json:
            _emit({"results": [{"ref": h.ref, "score": h.score, "text": h.text} for h in hits]})
        else:
            for h in hits:
                print(f"{h.ref:>6}  {h.score:.3f}  {h.text}")
    return 0


def cmd_ask(args) -> int:
    studio = open_studio()
    engine = studio.chat_engine(progress=_progress if not args.json else None)
    for question in _questions(args.question):
        try:
            turn = engine.ask(question, age_band=args.age)
            if args.json:
                turn.text()
            else:
                for piece in turn:
                    print(piece, end="", flush=True)
                print()
        except GitaError as exc:
            if args.question != "-":
                raise
            _emit({"error": str(exc), "type": type(exc).__name__})
            continue
        result = turn.result
        if args.json:
            _emit(result.as_json())
        else:
            print(f"\n[{result.action}] cites {', '.join(result.citations) or 'nothing'} · "
                  f"first words after {result.ttft_ms:.0f} ms")
    return 0


def cmd_story(args) -> int:
    from pydantic import ValidationError

    from .errors import InvalidInput
    from .story_models import StoryRequest, age_to_band

    if not 3 <= args.age <= 13:
        raise InvalidInput("--age must be between 3 and 13.")
    try:
        request = StoryRequest(verse=args.verse, theme=args.theme, age_band=age_to_band(args.age),
                               interests=[i for part in args.interests for i in part.split(",")], name=args.name,
                               language=args.lang, length=args.length, tone=args.tone, seed=args.seed)
    except ValidationError as exc:
        raise InvalidInput("; ".join(e["msg"] for e in exc.errors())) from exc
    composer = open_studio().story_composer(use_model=not args.no_model)
    story = composer.compose(request, on_event=None if args.json else lambda e: _progress(e.fraction, e.message))
    if args.json:
        _emit(story.cli_json())
    else:
        from .export import to_markdown

        print(to_markdown(story))
    return 0


def cmd_render(args) -> int:
    from pathlib import Path

    from .errors import InvalidInput
    from .media.render import RenderOptions, render_storyboard
    from .story_models import Story
    from .storyboard import from_story, load_storyboard

    studio = open_studio()
    src = Path(args.input)
    if not src.is_file():
        raise InvalidInput(f"No file at {src}. Give a story or storyboard JSON file.")
    try:
        data = json.loads(src.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise InvalidInput(f"{src} is not a JSON file ({exc}).") from exc
    if isinstance(data, dict) and "cards" not in data and "scenes" in data and "moral" in data:
        try:
            story = Story.model_validate(data) if "sanskrit" in data and "id" in data else _story_from_cli_json(studio, data)
        except ValueError as exc:
            raise InvalidInput(f"{src} looks like a story but does not fit the Story format ({exc}).") from exc
        verse = studio.library.verse(story.verse)
        recitation = studio.library.recitation(verse)
        board = from_story(story, str(recitation) if recitation and args.recitation else None)
    else:
        board = load_storyboard(data)
    out = Path(args.out)
    result = render_storyboard(board, RenderOptions(out=out, offline=studio.settings.offline), studio.settings.assets_dir,
                               studio.settings.data_dir / "media", progress=None if args.json else _progress)
    summary = {"video": str(result.video), "srt": str(result.srt), "seconds": round(result.seconds, 1),
               "duration_s": round(sum(result.durations), 1), "warnings": result.warnings}
    print(json.dumps(summary, ensure_ascii=False) if args.json else
          f"Wrote {result.video} and {result.srt} ({summary['duration_s']} s of video in {summary['seconds']} s)")
    for w in result.warnings if not args.json else []:
        print(f"warning: {w}", file=sys.stderr)
    return 0


def _story_from_cli_json(studio, data: dict):
    """A Story from the `gita-tales story --json` shape (which leaves out the verse texts)."""
    from .story_models import Scene, Story

    verse = studio.library.verse(str(data["verse"]))
    card = studio.library.card(verse)
    return Story(title=data["title"], verse=verse.ref, sanskrit=verse.sanskrit, moral=data["moral"],
                 kid_meaning=card.kid_meaning if card else "",
                 scenes=[Scene(narration=s["narration"], picture=s.get("picture", ""), characters=s.get("characters", []),
                               mood=s.get("mood", "calm")) for s in data["scenes"]])


def cmd_train(args) -> int:
    from pathlib import Path

    from .training.config import resolve
    from .training.worker import run

    config = resolve(args.preset, out_dir=Path(args.out), max_steps=args.steps)
    summary = run(config)
    if summary.get("stopped"):
        print(json.dumps(summary))
        return 1
    keys = ("gguf", "val_loss_base", "val_loss_tuned", "tokens_per_s", "seconds")
    line = {k: summary[k] for k in keys} | {k: v for k, v in summary.items() if k not in keys + ("answers", "product")}
    if not args.json:
        print(json.dumps({"answers": summary.get("answers", {}), "product": summary.get("product", {})}, indent=2))
    print(json.dumps(line))
    return 0


def _progress(fraction: float, message: str) -> None:
    print(f"\r[{fraction:4.0%}] {message}".ljust(60), end="" if fraction < 1 else "\n", file=sys.stderr, flush=True)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="gita-tales", description="Gita Tales: the Bhagavad Gita for children, offline.")
    parser.add_argument("--version", action="version", version=f"gita-tales {__version__}")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("verse", help="print a verse: gita-tales verse 2.47")
    p.add_argument("ref", help='a reference such as "2.47", "BG 2:47" or "chapter 2 verse 47"')
    p.add_argument("--json", action="store_true", help="print JSON")
    p.add_argument("--all", action="store_true", help="print all seven translations")
    p.set_defaults(func=cmd_verse)

    p = sub.add_parser("search", help='find verses for a question: gita-tales search "why do I get angry?"')
    p.add_argument("question", help='the question, or "-" to read one question per line from standard input')
    p.add_argument("--k", type=int, default=5, help="how many verses (1 to 50)")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_search)

    p = sub.add_parser("ask", help='ask the AI helper: gita-tales ask "why do I get angry?"')
    p.add_argument("question", help='the question, or "-" to read one question per line from standard input')
    p.add_argument("--age", default="8-10", choices=["5-7", "8-10", "11-13"], help="age band of the child")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_ask)

    p = sub.add_parser("story", help="write a story from a verse: gita-tales story --verse 2.47 --age 7 --interests cricket")
    p.add_argument("--verse", help='verse reference, e.g. "2.47"')
    p.add_argument("--theme", help="or a theme id (anger, fear, sharing, ...) that suggests a verse")
    p.add_argument("--age", type=int, default=7, help="the child's age (3 to 13)")
    p.add_argument("--interests", nargs="+", default=["animals"], help="interests, e.g. cricket space")
    p.add_argument("--name", help="the child's first name (used in the story, not stored)")
    p.add_argument("--lang", default="en", choices=["en", "hi"], help="language")
    p.add_argument("--length", default="short", choices=["short", "medium"])
    p.add_argument("--tone", default="gentle", choices=["gentle", "funny", "adventurous"])
    p.add_argument("--seed", type=int, default=7)
    p.add_argument("--no-model", action="store_true", help="write every scene from the plan (fast, no model)")
    p.add_argument("--json", action="store_true", help="print the Story JSON")
    p.set_defaults(func=cmd_story)

    p = sub.add_parser("render", help="render a story or storyboard JSON to a video: gita-tales render story.json --out video.mp4")
    p.add_argument("input", help="a Story JSON (as `gita-tales story --json` prints) or a storyboard JSON")
    p.add_argument("--out", default="video.mp4", help="the MP4 to write; the SRT is written beside it")
    p.add_argument("--no-recitation", dest="recitation", action="store_false",
                   help="leave out the Sanskrit recitation card for a story")
    p.add_argument("--json", action="store_true", help="print a JSON summary")
    p.set_defaults(func=cmd_render)

    p = sub.add_parser("train", help="build data, fine-tune GitaGPT, evaluate, export and quantize")
    p.add_argument("--preset", default="smoke", help="smoke (under 5 minutes on CPU), standard (about an hour), gpu")
    p.add_argument("--out", default="runs/gitagpt", help="the run folder (resumes if a checkpoint is there)")
    p.add_argument("--steps", type=int, default=None, help="override the preset's number of steps")
    p.add_argument("--json", action="store_true", help="print only the JSON summary line")
    p.set_defaults(func=cmd_train)

    p = sub.add_parser("doctor", help="check the environment and say how to fix what is missing")
    p.add_argument("--json", action="store_true", help="print JSON")
    p.set_defaults(func=cmd_doctor)
    return parser


def main(argv: list[str] | None = None) -> int:
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(encoding="utf-8", errors="replace")
    warnings.filterwarnings("ignore", category=DeprecationWarning)
    warnings.filterwarnings("ignore", message="pkg_resources is deprecated")
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
