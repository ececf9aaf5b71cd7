"""Accounts in the service layer, on a clock the test moves: sessions expire, failed sign-ins age
out of the rate limit, revoked tokens and ended sessions sign nobody in, secrets are stored hashed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from pressroom.context import Actor, Context
from pressroom.errors import Forbidden, SignInRequired, TooManyAttempts
from pressroom.ledger.tables import AuthSession
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
