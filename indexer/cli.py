"""``python -m indexer build | status | verify | add FILE``.

Exit codes: 0 all well; 1 something failed or drifted (the serving index is untouched);
2 the manifest itself could not be read.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from assistant.settings import index_dir, load_settings
from indexer import artifacts
from indexer.build import IndexBuilder
from indexer.manifest import (
    AUDIENCES,
    KINDS,
    STATUSES,
    ManifestError,
    _parse_entry,
    load_manifest,
)
from indexer.parsers import SUPPORTED_SUFFIXES
from indexer.verify import verify_index


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    settings = load_settings()
    target = index_dir(settings)
    try:
        return args.handler(args, settings, target)
    except ManifestError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2


def _build(args: argparse.Namespace, settings: dict, target: Path) -> int:
    if args.if_missing and artifacts.read_pointer(target):
        print(f"index present at {target} (run `python -m indexer build` to update it)")
        return 0
    report = IndexBuilder(settings, target, progress=not args.quiet).build(force=args.force)
    print(report.summary())
    return 1 if report.failed else 0


def _status(args: argparse.Namespace, settings: dict, target: Path) -> int:
    manifest = load_manifest(Path(settings["corpus_dir"]) / "manifest.yaml")
    pointer = artifacts.read_pointer(target) or {"documents": {}}
    indexed = pointer["documents"]
    print(f"index: {target} ({pointer.get('version', 'not built')}, "
          f"built {pointer.get('built_at', '-')})")
    print(f"{'document':34} {'kind':16} {'edition':34} {'status':11} {'chunks':>6}  state")
    missing = []
    for entry in manifest.entries:
        state = "indexed" if entry.id in indexed else "not indexed"
        if not entry.path.exists():
            state = ("not supplied (a deployment adds it)" if entry.supplied_by_deployment
                     else "MISSING FILE")
            missing.append(entry)
        elif entry.status == "withdrawn":
            state = "withdrawn (not indexed)"
        chunks = indexed.get(entry.id, {}).get("chunks", 0)
        print(f"{entry.id:34} {entry.kind:16} {entry.edition[:34]:34} {entry.status:11} "
              f"{chunks:>6}  {state}")
    for entry in missing:
        rel = entry.path.relative_to(Path(settings["corpus_dir"]).resolve())
        print(f"\n{entry.id} is in the manifest but its file is missing.\n"
              f"  To add it: download it from {entry.source_url}\n"
              f"  save it as corpus/{rel}, then run `python -m indexer build`.")
    for error in manifest.errors:
        print(f"manifest problem: {error}")
    return 1 if manifest.errors else 0


def _verify(args: argparse.Namespace, settings: dict, target: Path) -> int:
    problems = verify_index(settings, target)
    for problem in problems:
        print(f"DRIFT {problem}")
    print("index matches the corpus" if not problems else f"{len(problems)} problem(s)")
    return 1 if problems else 0


def _add(args: argparse.Namespace, settings: dict, target: Path) -> int:
    """Copy a file into the corpus and append its manifest entry, then build."""
    source = Path(args.file)
    if source.suffix.lower() not in SUPPORTED_SUFFIXES:
        print(f"error: {source}: unsupported format (supported: "
              f"{', '.join(SUPPORTED_SUFFIXES)})", file=sys.stderr)
        return 1
    if not source.is_file():
        print(f"error: {source}: no such file", file=sys.stderr)
        return 1
    corpus = Path(settings["corpus_dir"])
    manifest_path = corpus / "manifest.yaml"
    manifest = load_manifest(manifest_path)
    if manifest.get(args.id):
        print(f"error: a document with id {args.id!r} is already in the manifest",
              file=sys.stderr)
        return 1
    relative = Path("documents") / f"{args.id}{source.suffix.lower()}"
    try:  # check the entry before touching the corpus: a bad one would stay in the manifest
        _parse_entry(_entry(args, relative), corpus)
    except ValueError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    destination = corpus / relative
    destination.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(source, destination)
    with manifest_path.open("a", encoding="utf-8") as handle:
        handle.write(_entry_yaml(args, relative))
    print(f"added {args.id} as {destination}")
    return _build(argparse.Namespace(if_missing=False, quiet=args.quiet, force=False),
                  settings, target)


def _entry(args: argparse.Namespace, path: Path) -> dict:
    return {
        "id": args.id, "title": args.title, "kind": args.kind, "publisher": args.publisher,
        "edition": args.edition, "published": args.published, "status": args.status,
        "superseded_by": None, "licence": args.licence, "source_url": args.source_url,
        "audiences": args.audiences, "path": str(path), "supplied_by_deployment": False,
    }


def _entry_yaml(args: argparse.Namespace, path: Path) -> str:
    import yaml

    body = yaml.safe_dump([_entry(args, path)], sort_keys=False, allow_unicode=True)
    return "\n" + "\n".join("  " + line for line in body.splitlines()) + "\n"


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m indexer", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(required=True, metavar="COMMAND")
    build = commands.add_parser("build", help="build or update the index (incremental)")
    build.add_argument("--force", action="store_true", help="re-embed every document")
    build.add_argument("--if-missing", action="store_true", help="only build if no index yet")
    build.add_argument("--quiet", action="store_true", help="no progress bar")
    build.set_defaults(handler=_build)
    commands.add_parser("status", help="documents, editions, status, chunk counts") \
        .set_defaults(handler=_status)
    commands.add_parser("verify", help="check the store against the corpus") \
        .set_defaults(handler=_verify)
    add = commands.add_parser("add", help="add a document to the corpus and index it")
    add.add_argument("file")
    add.add_argument("--id", required=True, help="stable id: lower-case letters, digits, -")
    add.add_argument("--title", required=True)
    add.add_argument("--kind", choices=KINDS, default="local-procedure")
    add.add_argument("--publisher", required=True)
    add.add_argument("--edition", required=True, help="edition or version label")
    add.add_argument("--published", required=True, help="YYYY, YYYY-MM or YYYY-MM-DD")
    add.add_argument("--status", choices=STATUSES, default="current")
    add.add_argument("--licence", default="Open Government Licence v3.0")
    add.add_argument("--source-url", default="local", dest="source_url")
    add.add_argument("--audiences", nargs="+", choices=AUDIENCES, default=list(AUDIENCES))
    add.add_argument("--quiet", action="store_true")
    add.set_defaults(handler=_add)
    return parser
