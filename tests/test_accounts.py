"""Accounts in the service layer, on a clock the test moves: sessions expire, failed sign-ins age
out of the rate limit, revoked tokens and ended sessions sign nobody in, secrets are stored hashed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pressroom.context import Actor, Context
from pressroom.errors import Forbidden, InputError, SignInRequired, TooManyAttempts
from pressroom.ledger.tables import AuthSession, User
from pressroom.plays import accounts

pytestmark = pytest.mark.ledger_contract("accounts, sign-in sessions and tokens")


class Clock:
    def __init__(self) -> None:
        from pressroom.context import utc_now

        self.now = utc_now()

    def __call__(self):
        return self.now


@pytest.fixture
def desk(studio):
    clock = Clock()
    ctx = Context(studio, Actor.unknown("web"), clock)
    accounts.add_account(ctx, "ada", ["director"], password="ada-long-password")
    accounts.add_account(ctx, "bo", ["reviewer"], password="bo-long-password")
    return ctx, clock


def test_the_first_person_with_a_password_is_the_admin_and_passwords_are_argon2(desk):
    ctx, _ = desk
    from pressroom.ledger.tables import User

    with ctx.unit() as session:
        users = {u.name: u for u in session.scalars(select(User))}
    assert users["ada"].admin and not users["bo"].admin
    assert users["ada"].password_hash.startswith("$argon2id$") and "ada-long-password" not in users["ada"].password_hash


def test_a_session_expires_and_an_ended_one_signs_nobody_in(desk):
    ctx, clock = desk
    signed = accounts.sign_in(ctx, "ada", "ada-long-password")
    assert accounts.session_actor(ctx, signed.secret).name == "ada"
    with ctx.unit() as session:  # only the secret's hash is kept
        stored = session.scalar(select(AuthSession.secret_sha256))
    assert stored == accounts.digest(signed.secret) != signed.secret
    clock.now += timedelta(hours=accounts.SESSION_HOURS, seconds=1)
    with pytest.raises(SignInRequired, match="expired or was ended"):
        accounts.session_actor(ctx, signed.secret)
    again = accounts.sign_in(ctx, "ada", "ada-long-password")
    accounts.sign_out(ctx, again.secret)
    with pytest.raises(SignInRequired):
        accounts.session_actor(ctx, again.secret)


def test_failed_sign_ins_block_a_name_until_they_age_out(desk):
    ctx, clock = desk
    for _ in range(accounts.MAX_FAILURES):
        with pytest.raises(SignInRequired, match="wrong name or password"):
            accounts.sign_in(ctx, "bo", "guess-guess-guess")
    with pytest.raises(TooManyAttempts):
        accounts.sign_in(ctx, "bo", "bo-long-password")
    assert accounts.sign_in(ctx, "ada", "ada-long-password").person["name"] == "ada"  # per name
    clock.now += timedelta(minutes=accounts.FAILURE_WINDOW_MIN, seconds=1)
    assert accounts.sign_in(ctx, "bo", "bo-long-password").person["name"] == "bo"


def test_a_token_carries_its_owners_roles_and_only_they_or_an_admin_revoke_it(desk):
    ctx, _ = desk
    with pytest.raises(Forbidden):  # nobody signed in to the server makes tokens through it
        accounts.create_token(ctx, "bo", "laptop")
    studio_folder = ctx.acting_as(Actor.unknown("cli"))  # `pressroom token create` holds the ledger itself
    made = accounts.create_token(studio_folder, "bo", "laptop")
    bo = accounts.token_actor(ctx, made["token"])
    assert (bo.name, bo.roles, bo.channel) == ("bo", frozenset({"reviewer"}), "api")
    ada = ctx.acting_as(accounts.token_actor(ctx, accounts.create_token(studio_folder, "ada", "x")["token"]))
    with pytest.raises(Forbidden, match="only ada or an admin"):
        accounts.create_token(ctx.acting_as(bo), "ada", "stolen")
    assert accounts.revoke_token(ada, made["id"])["revoked"] is True  # ada is the admin
    with pytest.raises(SignInRequired, match="unknown or revoked"):
        accounts.token_actor(ctx, made["token"])


def test_sign_ins_sent_at_once_get_no_more_password_checks_than_the_limit(desk, monkeypatch):
    """Twenty wrong passwords for one name at once: each attempt is counted before its password is
    checked, under a lock, so exactly MAX_FAILURES are checked and the rest refused unchecked."""
    import threading

    ctx, _ = desk
    checked, real = [], accounts.password_matches

    def counted(stored, password):
        checked.append(password)
        return real(stored, password)

    monkeypatch.setattr(accounts, "password_matches", counted)
    start, outcomes = threading.Barrier(20), []

    def guess(n: int) -> None:
        start.wait()
        try:
            accounts.sign_in(ctx, "bo", f"guess-number-{n}", "203.0.113.9")
        except (SignInRequired, TooManyAttempts) as exc:
            outcomes.append(type(exc).__name__)

    threads = [threading.Thread(target=guess, args=(n,)) for n in range(20)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(checked) == accounts.MAX_FAILURES
    assert sorted(outcomes) == ["SignInRequired"] * accounts.MAX_FAILURES + ["TooManyAttempts"] * 15


def test_one_address_guessing_many_names_is_stopped_too(desk):
    ctx, clock = desk
    for n in range(accounts.MAX_ADDRESS_FAILURES):
        with pytest.raises(SignInRequired):
            accounts.sign_in(ctx, f"someone-{n % 4}" if n < 16 else "ada", "guess-guess-guess", "198.51.100.7")
    with pytest.raises(TooManyAttempts, match="from this address"):
        accounts.sign_in(ctx, "bo", "bo-long-password", "198.51.100.7")
    assert accounts.sign_in(ctx, "bo", "bo-long-password", "198.51.100.8").person["name"] == "bo"
    clock.now += timedelta(minutes=accounts.FAILURE_WINDOW_MIN, seconds=1)
    assert accounts.sign_in(ctx, "bo", "bo-long-password", "198.51.100.7").person["name"] == "bo"


@pytest.mark.parametrize(
    ("password", "why"),
    [
        (" " * 12, "repeats"),
        ("1234567890", "common password"),
        ("cyrilcyrilcyril", "easy to guess"),
        ("desk-studio-1", "easy to guess"),  # the studio's own name and a digit
        ("short", "at least 10 characters"),
    ],
)
def test_a_password_easy_to_guess_is_refused_in_one_line(studio, password, why):
    studio.config.setdefault("studio", {})["name"] = "desk-studio"
    ctx = Context(studio, Actor.unknown("cli"))
    with pytest.raises(InputError, match=why) as refused:
        accounts.add_account(ctx, "cyril", ["reviewer"], password=password)
    assert refused.value.field == "password" and "\n" not in str(refused.value)
    with ctx.unit() as session:
        assert session.scalar(select(User).where(User.name == "cyril")) is None  # nothing stored


def test_a_new_password_or_a_reset_ends_every_session_the_person_had(desk):
    from pressroom.plays import invites

    ctx, _ = desk
    first, second = (accounts.sign_in(ctx, "bo", "bo-long-password") for _ in range(2))
    accounts.add_account(ctx.acting_as(Actor.unknown("cli")), "bo", ["reviewer"], password="bo-brand-new-phrase")
    for old in (first, second):
        with pytest.raises(SignInRequired):
            accounts.session_actor(ctx, old.secret)
    third = accounts.sign_in(ctx, "bo", "bo-brand-new-phrase")
    code = invites.invite(ctx.acting_as(Actor.unknown("cli")), "bo", "https://press.example")["code"]
    with pytest.raises(InputError, match="easy to guess"):  # a weak choice leaves the invite unspent
        invites.accept(ctx, code, "bobobobobobo")
    invites.accept(ctx, code, "bo-reset-after-lost-laptop")
    with pytest.raises(SignInRequired):
        accounts.session_actor(ctx, third.secret)
    assert accounts.sign_in(ctx, "bo", "bo-reset-after-lost-laptop").person["name"] == "bo"
