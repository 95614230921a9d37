"""Users, roles, passwords, lockout and personal API tokens (no web framework here).

Passwords are hashed with Argon2id (``argon2-cffi``), rehashed on sign-in when the parameters
change. After ``lockout_attempts`` failed sign-ins in a row an account is locked for
``lockout_minutes``; an admin's ``reset`` unlocks it. API tokens are random 256-bit secrets
shown once; only their SHA-256 is stored (a high-entropy secret needs no slow hash, and the
lookup must be an index hit), and a revoked token stops working at once.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Boolean, ForeignKey, Integer, String, func, select
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from assistant.db import Base, UtcDateTime, utcnow

OFFICER, CUSTODY, TRAINER = "officer", "custody", "trainer"
SUPERVISOR, ADMIN = "supervisor", "admin"
ROLES = (OFFICER, CUSTODY, TRAINER, SUPERVISOR, ADMIN)
TOKEN_PREFIX = "sg_"
MIN_PASSWORD_CHARS = 12
LAST_USED_PRECISION = timedelta(minutes=1)
_hasher = PasswordHasher()
# Verified against when the user does not exist, so "no such user" takes as long as a bad
# password (no user enumeration by timing).
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


class UserError(ValueError):
    """A user-management request that cannot be done (unknown user, bad role, weak password)."""


class User(Base):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(254), unique=True, index=True)
    role: Mapped[str] = mapped_column(String(20))
    password_hash: Mapped[str | None] = mapped_column(String(255), nullable=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    tokens: Mapped[list[ApiToken]] = relationship(back_populates="user")

    def is_locked(self, now: datetime | None = None) -> bool:
        return self.locked_until is not None and self.locked_until > (now or utcnow())


class ApiToken(Base):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime, nullable=True)
    user: Mapped[User] = relationship(back_populates="tokens")


@dataclass(frozen=True)
class LoginResult:
    """``user`` when the password was right and the account usable, else ``reason``."""

    user: User | None
    reason: str = ""


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(f"unknown role {role!r} (use {', '.join(ROLES)})")
    return role


def check_password(password: str) -> str:
    if len(password) < MIN_PASSWORD_CHARS:
        raise UserError(f"the password must have at least {MIN_PASSWORD_CHARS} characters")
    return password


def new_password() -> str:
    """A one-time password to print once (first run, resets)."""
    return secrets.token_urlsafe(15)


def find_user(session: Session, username: str) -> User | None:
    return session.scalar(select(User).where(User.username == username.strip().lower()))


def get_user(session: Session, username: str) -> User:
    user = find_user(session, username)
    if user is None:
        raise UserError(f"no user {username!r}")
    return user


def create_user(session: Session, username: str, role: str,
                password: str | None = None) -> User:
    """A new active user; ``password=None`` makes an account that only signs in by SSO."""
    name = username.strip().lower()
    if not name or len(name) > 254:
        raise UserError("the username must have 1 to 254 characters")
    if find_user(session, name) is not None:
        raise UserError(f"user {name!r} already exists")
    user = User(username=name, role=check_role(role), active=True, failed_logins=0,
                password_hash=_hasher.hash(check_password(password)) if password else None)
    session.add(user)
    session.flush()
    return user


def count_users(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(User)) or 0


def list_users(session: Session) -> list[User]:
    return list(session.scalars(select(User).order_by(User.username)))


def authenticate(session: Session, username: str, password: str, *, max_attempts: int,
                 lock_minutes: int, now: datetime | None = None) -> LoginResult:
    """Check a password, counting failures and locking the account after ``max_attempts``.

    The reason is for the log; the person signing in is told only that it failed (or that
    the account is locked), never which of user name and password was wrong.
    """
    now = now or utcnow()
    user = find_user(session, username)
    if user is None or user.password_hash is None:
        _verify(_DUMMY_HASH, password)
        return LoginResult(None, "unknown user or no local password")
    if not user.active:
        return LoginResult(None, "account disabled")
    if user.is_locked(now):
        return LoginResult(None, "account locked")
    if not _verify(user.password_hash, password):
        user.failed_logins = (user.failed_logins or 0) + 1
        if user.failed_logins >= max_attempts:
            user.locked_until = now + timedelta(minutes=lock_minutes)
            user.failed_logins = 0
            return LoginResult(None, "account locked")
        return LoginResult(None, "wrong password")
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    user.failed_logins, user.locked_until, user.last_login_at = 0, None, now
    return LoginResult(user)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def set_password(user: User, password: str) -> None:
    """Set a new password and unlock the account."""
    user.password_hash = _hasher.hash(check_password(password))
    user.failed_logins, user.locked_until = 0, None


def set_active(session: Session, user: User, active: bool) -> None:
    """Disable (or enable) an account; disabling also revokes its API tokens."""
    user.active = active
    if not active:
        for token in user.tokens:
            if token.revoked_at is None:
                token.revoked_at = utcnow()


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8")).hexdigest()


def create_token(session: Session, user: User, name: str) -> tuple[ApiToken, str]:
    """A new API token for ``user``: the row and the secret (shown once, never stored)."""
    secret = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(user=user, name=name.strip()[:100] or "token", token_hash=_digest(secret))
    session.add(token)
    session.flush()
    return token, secret


def user_for_token(session: Session, secret: str) -> User | None:
    """The active user a live token belongs to, else None; notes when it was last used."""
    if not secret.startswith(TOKEN_PREFIX):
        return None
    token = session.scalar(select(ApiToken).where(ApiToken.token_hash == _digest(secret)))
    if token is None or token.revoked_at is not None or not token.user.active:
        return None
    now = utcnow()
    if token.last_used_at is None or now - token.last_used_at > LAST_USED_PRECISION:
        token.last_used_at = now  # not on every call: one write a minute is enough
    return token.user


def revoke_token(session: Session, token_id: int) -> ApiToken:
    token = session.get(ApiToken, token_id)
    if token is None:
        raise UserError(f"no token with id {token_id}")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    return token


def list_tokens(session: Session, user: User | None = None) -> list[ApiToken]:
    query = select(ApiToken).order_by(ApiToken.id)
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))


def ensure_first_admin(session: Session, username: str = "admin") -> str | None:
    """With no users at all, create an admin and return its one-time password; else None."""
    if count_users(session):
        return None
    password = new_password()
    create_user(session, username, ADMIN, password)
    return password
