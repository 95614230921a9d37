"""``python -m assistant``: the database, users, API tokens and the audit log from a shell.

    python -m assistant setup                       # migrate; first run: admin + one-time password
    python -m assistant db upgrade|current
    python -m assistant users add NAME --role officer [--password-stdin]
    python -m assistant users list | disable NAME | enable NAME | reset NAME
    python -m assistant tokens create NAME [--name LABEL] | list [NAME] | revoke ID
    python -m assistant audit purge [--days N] | export [--out FILE] [--since YYYY-MM-DD]

Passwords are never taken as arguments (they would sit in shell history): a new or reset
account gets a generated one-time password printed once, or reads one from stdin.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TextIO

from assistant import audit, users
from assistant.db import current_revision, database_url, session_scope, upgrade
from assistant.settings import load_settings


def main(argv: Sequence[str] | None = None, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = _parser().parse_args(argv)
    settings = load_settings()
    url = database_url(settings)
    try:
        return int(args.run(args, url, settings, out) or 0)
    except (users.UserError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m assistant", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)

    setup = commands.add_parser("setup", help="migrate; with no users, create an admin")
    setup.add_argument("--admin", default="admin", help="first admin's user name")
    setup.set_defaults(run=_setup)

    db = commands.add_parser("db", help="schema migrations").add_subparsers(required=True)
    db.add_parser("upgrade", help="apply every migration").set_defaults(run=_db_upgrade)
    db.add_parser("current", help="the applied revision").set_defaults(run=_db_current)

    user = commands.add_parser("users", help="manage users").add_subparsers(required=True)
    add = user.add_parser("add", help="create a user")
    add.add_argument("username")
    add.add_argument("--role", required=True, choices=users.ROLES)
    add.add_argument("--password-stdin", action="store_true",
                     help="read the password from stdin instead of generating one")
    add.add_argument("--sso-only", action="store_true", help="no local password")
    add.set_defaults(run=_users_add)
    user.add_parser("list", help="every user").set_defaults(run=_users_list)
    for name, run in (("disable", _users_disable), ("enable", _users_enable),
                      ("reset", _users_reset)):
        command = user.add_parser(name, help=f"{name} an account" if name != "reset" else
                                  "new one-time password; unlocks the account")
        command.add_argument("username")
        if name == "reset":
            command.add_argument("--password-stdin", action="store_true")
        command.set_defaults(run=run)

    token = commands.add_parser("tokens", help="personal API tokens").add_subparsers(
        required=True)
    create = token.add_parser("create", help="new token for a user (printed once)")
    create.add_argument("username")
    create.add_argument("--name", default="api", help="a label, e.g. the script using it")
    create.set_defaults(run=_tokens_create)
    listing = token.add_parser("list", help="tokens (never their secrets)")
    listing.add_argument("username", nargs="?")
    listing.set_defaults(run=_tokens_list)
    revoke = token.add_parser("revoke", help="revoke a token by id")
    revoke.add_argument("token_id", type=int)
    revoke.set_defaults(run=_tokens_revoke)

    log = commands.add_parser("audit", help="the audit log").add_subparsers(required=True)
    purge = log.add_parser("purge", help="delete rows older than the retention period")
    purge.add_argument("--days", type=int, help="default: audit_retention_days")
    purge.set_defaults(run=_audit_purge)
    export = log.add_parser("export", help="CSV of the audit log")
    export.add_argument("--out", type=Path, help="file to write (default: stdout)")
    export.add_argument("--since", help="YYYY-MM-DD (UTC)")
    export.set_defaults(run=_audit_export)
    return parser


def _setup(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    upgrade(url)
    with session_scope(url) as session:
        password = users.ensure_first_admin(session, args.admin)
    if password:
        print(f"First run: created admin {args.admin!r} with the one-time password\n\n"
              f"    {password}\n\nSign in and keep it safe; it is not shown again "
              f"(python -m assistant users reset {args.admin} makes a new one).", file=out)


def _db_upgrade(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    upgrade(url)
    print(f"database at revision {current_revision(url)}", file=out)


def _db_current(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    print(current_revision(url) or "empty (run: python -m assistant db upgrade)", file=out)


def _password(args: argparse.Namespace) -> tuple[str, bool]:
    """The password to set and whether it was generated (then it is printed)."""
    if getattr(args, "password_stdin", False):
        return sys.stdin.readline().rstrip("\n"), False
    return users.new_password(), True


def _users_add(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    password, generated = (None, False) if args.sso_only else _password(args)
    with session_scope(url) as session:
        user = users.create_user(session, args.username, args.role, password)
    print(f"created {user.username} ({user.role})", file=out)
    if generated:
        print(f"one-time password: {password}", file=out)


def _users_list(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    with session_scope(url) as session:
        for user in users.list_users(session):
            state = "active" if user.active else "disabled"
            if user.is_locked():
                state = "locked"
            last = user.last_login_at.isoformat(timespec="seconds") if user.last_login_at else "-"
            print(f"{user.username}\t{user.role}\t{state}\tlast sign-in {last}", file=out)


def _users_disable(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    with session_scope(url) as session:
        users.set_active(session, users.get_user(session, args.username), False)
    print(f"disabled {args.username} (its API tokens are revoked)", file=out)


def _users_enable(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    with session_scope(url) as session:
        users.set_active(session, users.get_user(session, args.username), True)
    print(f"enabled {args.username}", file=out)


def _users_reset(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    password, generated = _password(args)
    with session_scope(url) as session:
        users.set_password(users.get_user(session, args.username), password)
    print(f"reset {args.username} (unlocked)", file=out)
    if generated:
        print(f"one-time password: {password}", file=out)


def _tokens_create(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    with session_scope(url) as session:
        token, secret = users.create_token(session, users.get_user(session, args.username),
                                           args.name)
    print(f"token {token.id} for {args.username}; send it as 'Authorization: Bearer "
          f"<token>'. It is shown once:\n{secret}", file=out)


def _tokens_list(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    with session_scope(url) as session:
        owner = users.get_user(session, args.username) if args.username else None
        for token in users.list_tokens(session, owner):
            state = "revoked" if token.revoked_at else "live"
            used = token.last_used_at.isoformat(timespec="seconds") if token.last_used_at \
                else "never"
            print(f"{token.id}\t{token.user.username}\t{token.name}\t{state}\tlast used {used}",
                  file=out)


def _tokens_revoke(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    with session_scope(url) as session:
        users.revoke_token(session, args.token_id)
    print(f"revoked token {args.token_id}", file=out)


def _audit_purge(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    days = args.days if args.days is not None else int(settings["audit_retention_days"])
    with session_scope(url) as session:
        removed = audit.purge(session, days)
    print(f"purged {removed} audit rows older than {days} days", file=out)


def _audit_export(args: argparse.Namespace, url: str, settings: dict, out: TextIO) -> None:
    since = None
    if args.since:
        since = datetime.strptime(args.since, "%Y-%m-%d").replace(tzinfo=UTC)
    with session_scope(url) as session:
        rows = audit.stream_events(session, since=since)
        if args.out:
            with args.out.open("w", encoding="utf-8", newline="") as handle:
                audit.write_csv(rows, handle)
        else:
            audit.write_csv(rows, out)
