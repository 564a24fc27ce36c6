"""``norte users add|list|disable|role`` and ``norte tokens create|revoke|list``: the admin's tools.

A password is read from a prompt (twice, not echoed) or, with ``--password-stdin``, from the
first line of standard input — never from an argument (arguments show in ``ps`` and shell
history). A new token is printed once, on stdout; only its sha256 is kept.
"""

from __future__ import annotations

import argparse
import datetime as dt
import getpass
import json
import sys
from pathlib import Path
from typing import Any

from norte.accounts import Accounts
from norte.accounts import tokens as tok
from norte.accounts import users as usr
from norte.errors import UsageError


def add_parser(sub: Any) -> None:
    """The ``users`` and ``tokens`` subcommands, added to the main parser's subparsers."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument(
        "--accounts",
        metavar="PATH",
        help="accounts file (default beside the store: NAME.accounts.sqlite; env NORTE_ACCOUNTS)",
    )
    pu = sub.add_parser("users", help="the web app's users: add, list, disable, role")
    usub = pu.add_subparsers(dest="users_command", required=True)
    pa = usub.add_parser("add", parents=[common], help="add a user (password from a prompt)")
    pa.add_argument("email")
    pa.add_argument("--org", required=True, help="organisation slug (created if new), e.g. acme")
    pa.add_argument("--org-name", help="the organisation's name (when new; default: the slug)")
    pa.add_argument("--role", choices=tuple(usr.ROLES), default="viewer")
    pa.add_argument(
        "--password-stdin", action="store_true", help="read the password from standard input"
    )
    pl = usub.add_parser("list", parents=[common], help="list the users")
    pl.add_argument("--json", action="store_true")
    pd = usub.add_parser("disable", parents=[common], help="stop a user: sessions and tokens end")
    pd.add_argument("email")
    pro = usub.add_parser("role", parents=[common], help="change a user's role")
    pro.add_argument("email")
    pro.add_argument("role", choices=tuple(usr.ROLES))

    pt = sub.add_parser("tokens", help="API tokens: create (shown once), revoke, list")
    tsub = pt.add_subparsers(dest="tokens_command", required=True)
    pc = tsub.add_parser("create", parents=[common], help="a new API token, printed once")
    pc.add_argument("email", help="the user the token acts for")
    pc.add_argument("--name", default="api", help="what the token is for (shown in the list)")
    pc.add_argument(
        "--scopes", default="read", help="comma-separated: read, goals, admin (default read)"
    )
    pc.add_argument(
        "--days", type=int, default=tok.DEFAULT_DAYS, help=f"lifetime, 1-{tok.MAX_DAYS} days"
    )
    pc.add_argument("--json", action="store_true")
    pr = tsub.add_parser("revoke", parents=[common], help="revoke a token by its id")
    pr.add_argument("id", type=int)
    pls = tsub.add_parser("list", parents=[common], help="list tokens (never their secrets)")
    pls.add_argument("--user", help="only this user's tokens")
    pls.add_argument("--json", action="store_true")


def _password(from_stdin: bool) -> str:
    if from_stdin:
        password = sys.stdin.readline().rstrip("\r\n")
    else:
        if not sys.stdin.isatty():
            raise UsageError("no terminal to ask the password on — pipe it with --password-stdin")
        password = getpass.getpass("Password: ")
        if getpass.getpass("Password again: ") != password:
            raise UsageError("the two passwords differ — run the command again")
    usr.check_password(password)
    return password


def _day(t: float | None) -> str:
    return "–" if t is None else dt.datetime.fromtimestamp(t, dt.UTC).strftime("%Y-%m-%d %H:%M")


def run(args: argparse.Namespace, path: Path) -> int:
    if args.command == "users" and args.users_command == "add":
        password = _password(args.password_stdin)  # before the file is touched
    acc = Accounts(path)
    try:
        con = acc.con
        if args.command == "users":
            if args.users_command == "add":
                u = usr.add_user(con, args.email, password, args.org, args.role, args.org_name)
                print(
                    f"norte users: added {u.email} ({u.role} of {u.org}) — {path}", file=sys.stderr
                )
            elif args.users_command == "role":
                u = usr.set_role(con, args.email, args.role)
                print(f"norte users: {u.email} is now {u.role} of {u.org}", file=sys.stderr)
            elif args.users_command == "disable":
                u = usr.disable_user(con, args.email)
                print(f"norte users: disabled {u.email}; its sessions ended", file=sys.stderr)
            else:
                people = usr.list_users(con)
                if args.json:
                    rows = [
                        {"email": u.email, "org": u.org, "role": u.role, "disabled": u.disabled}
                        for u in people
                    ]
                    print(json.dumps(rows, indent=2))
                for u in people if not args.json else []:
                    state = " (disabled)" if u.disabled else ""
                    print(f"{u.email:32} {u.org:20} {u.role:7}{state}")
            return 0
        if args.tokens_command == "create":
            scopes = tok.parse_scopes(args.scopes)
            secret, info = tok.create_api(con, args.email, args.name, scopes, args.days)
            if args.json:
                print(json.dumps(info.as_dict() | {"token": secret}, indent=2))
            else:
                print(secret)
                print(
                    f"norte tokens: token {info.id} for {info.user_email} ({','.join(scopes)}), "
                    f"expires {_day(info.expires_at)} UTC — copy it now, it is not shown again",
                    file=sys.stderr,
                )
        elif args.tokens_command == "revoke":
            info = tok.revoke(con, args.id)
            print(f"norte tokens: token {info.id} of {info.user_email} revoked", file=sys.stderr)
        else:
            found = tok.list_tokens(con, args.user)
            if args.json:
                print(json.dumps([t.as_dict() for t in found], indent=2))
            for t in found if not args.json else []:
                print(
                    f"{t.id:>5} {t.user_email:28} {t.kind:4} {t.name:16} "
                    f"{','.join(t.scopes):11} expires {_day(t.expires_at)}  {t.state()}"
                )
        return 0
    finally:
        acc.close()
