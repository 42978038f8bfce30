"""Resetting someone's second factor: one Admin proposes on the people page, another approves (maker ≠ checker)."""

import pytest
from django.db import IntegrityError
from django_otp.plugins.otp_static.models import StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from dashboard import two_factor_resets as resets
from dashboard.models import AuditEvent, ChangeState, FactorReset
from tests.dashboard.two_factor_helpers import code_for, enrol

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(make_user):
    finance = make_user("Finance", username="fin")
    enrol(finance)
    return {
        "person": finance,
        "maker": make_user("Admin", username="ada"),
        "checker": make_user("Admin", username="bo"),
    }


def has_factor(user) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def test_a_second_admin_approves_and_the_factor_is_gone(people):
    reset = resets.propose(people["person"], actor=people["maker"], reason="lost phone")
    assert has_factor(people["person"])  # nothing changes before the approval
    with pytest.raises(resets.ResetError, match="another Admin must approve"):
        resets.approve(reset.pk, actor=people["maker"])
    assert has_factor(people["person"])
    done = resets.approve(reset.pk, actor=people["checker"])
    assert done.state == ChangeState.APPROVED and done.decided_by == people["checker"]
    assert not has_factor(people["person"]) and not StaticToken.objects.filter(device__user=people["person"]).exists()
    verbs = list(AuditEvent.objects.filter(verb__startswith="two_factor.reset").values_list("verb", "actor_username"))
    assert verbs == [("two_factor.reset", "bo"), ("two_factor.reset_proposed", "ada")]
    with pytest.raises(resets.ResetError, match="already approved"):
        resets.approve(reset.pk, actor=people["checker"])


def test_a_superuser_is_no_exception_to_maker_checker(people, make_user):
    boss = make_user("Admin", username="root", is_superuser=True)
    reset = resets.propose(people["person"], actor=boss, reason="lost phone")
    with pytest.raises(resets.ResetError, match="another Admin"):
        resets.approve(reset.pk, actor=boss)


def test_only_admins_propose_and_decide_and_nobody_resets_their_own(people, make_user):
    finance2 = make_user("Finance")
    with pytest.raises(resets.ResetError, match="Only an Admin"):
        resets.propose(people["person"], actor=finance2, reason="x")
    enrol(people["maker"])
    with pytest.raises(resets.ResetError, match="your own"):
        resets.propose(people["maker"], actor=people["maker"], reason="x")
    with pytest.raises(resets.ResetError, match="no second factor"):
        resets.propose(make_user("Support"), actor=people["maker"], reason="x")
    with pytest.raises(resets.ResetError, match="Say why"):
        resets.propose(people["person"], actor=people["maker"], reason="  ")
    reset = resets.propose(people["person"], actor=people["maker"], reason="lost phone")
    for outsider in (finance2, people["person"]):
        with pytest.raises(resets.ResetError, match="(?i)only an admin"):
            resets.approve(reset.pk, actor=outsider)
        with pytest.raises(resets.ResetError, match="Only an Admin"):
            resets.reject(reset.pk, actor=outsider)
    assert has_factor(people["person"])


def test_one_pending_reset_per_person(people):
    resets.propose(people["person"], actor=people["maker"], reason="lost phone")
    with pytest.raises(resets.ResetError, match="already waits"):
        resets.propose(people["person"], actor=people["checker"], reason="again")
    with pytest.raises(IntegrityError):
        FactorReset.objects.create(person=people["person"], proposed_by=people["checker"], reason="raw")


def test_rejected_or_withdrawn_the_factor_stays(people):
    rejected = resets.reject(
        resets.propose(people["person"], actor=people["maker"], reason="a").pk, actor=people["checker"]
    )
    withdrawn = resets.reject(
        resets.propose(people["person"], actor=people["maker"], reason="b").pk, actor=people["maker"]
    )
    assert (rejected.state, withdrawn.state) == (ChangeState.REJECTED, ChangeState.WITHDRAWN)
    assert has_factor(people["person"])
    assert {"two_factor.reset_rejected", "two_factor.reset_withdrawn"} <= set(
        AuditEvent.objects.values_list("verb", flat=True)
    )


def test_the_people_page_proposes_and_another_admin_approves(client, people, settings):
    settings.MFA_REQUIRED_ROLES = ["Finance", "Admin"]
    person, maker, checker = people["person"], people["maker"], people["checker"]
    enrol(maker)
    enrol(checker)
    victim = client.__class__()
    victim.force_login(person)
    device = TOTPDevice.objects.get(user=person)
    victim.post("/account/two-factor/verify/", {"code": code_for(device, steps_ahead=1)})
    assert victim.get("/").status_code == 200  # the person's verified session

    def as_admin(admin):
        client.force_login(admin)
        device = TOTPDevice.objects.get(user=admin)
        client.post("/account/two-factor/verify/", {"code": code_for(device, steps_ahead=1)})
        return client

    page = as_admin(maker).get("/people/").content.decode()
    assert "Propose reset" in page
    client.post(f"/people/{person.pk}/two-factor-reset/", {"reason": "lost phone, checked on a call"})
    page = client.get("/people/").content.decode()
    assert "lost phone, checked on a call" in page and "another Admin must approve it" in page
    assert ">Approve<" not in page and "Withdraw" in page
    reset = FactorReset.objects.get()

    page = as_admin(checker).get("/people/").content.decode()
    assert ">Approve<" in page
    answer = client.post(f"/people/two-factor-resets/{reset.pk}/approve/", follow=True)
    assert "second factor is reset" in answer.content.decode()
    assert not has_factor(person)
    after = victim.get("/", follow=True)  # their session lost its verification: Finance sets up a new authenticator
    assert after.redirect_chain[-1][0] == "/account/two-factor/set-up/"
    assert "Set up two-factor sign-in" in after.content.decode()
