"""The sidebar is rendered once per process for each distinct content and kept (dashboard/sidebar.py): a person
never gets another's, a role, name or count change shows on the next page, and the logout form carries the
viewer's own CSRF token, never a kept one."""

import re

import pytest
from django.test import Client

from dashboard import sidebar
from dashboard.roles import set_role

TOKEN = re.compile(
    r'action="/accounts/logout/" class="inline-form"><input type="hidden" name="csrfmiddlewaretoken" value="([^"]+)">'
)


def _aside(client) -> str:
    page = client.get("/orders/").content.decode()
    return page[page.index('<aside class="sidebar"') : page.index("</aside>")]


@pytest.fixture(autouse=True)
def _fresh():
    sidebar._kept.cache_clear()
    yield
    sidebar._kept.cache_clear()


@pytest.mark.django_db
def test_two_people_of_the_same_role_each_get_their_own_name(make_user):
    first, second = Client(), Client()
    first.force_login(make_user("Support", username="first-agent"))
    second.force_login(make_user("Support", username="second-agent"))
    assert "first-agent" in _aside(first)
    shown = _aside(second)
    assert "second-agent" in shown and "first-agent" not in shown
    assert sidebar._kept.cache_info().currsize == 2


@pytest.mark.django_db
def test_a_person_never_sees_entries_kept_for_someone_who_may_see_more(make_user):
    admin, support = Client(), Client()
    admin.force_login(make_user("Admin"))
    support.force_login(make_user("Support"))
    assert ">Audit log<" in _aside(admin)
    shown = _aside(support)
    assert ">Orders<" in shown and ">Audit log<" not in shown and ">People &amp; roles<" not in shown


@pytest.mark.django_db
def test_a_role_change_and_a_new_name_show_on_the_next_page(client, make_user):
    user = make_user("Support")
    client.force_login(user)
    assert ">Audit log<" not in _aside(client)
    set_role(user, "Admin")
    assert ">Audit log<" in _aside(client)
    set_role(user, "Support")
    assert ">Audit log<" not in _aside(client)
    user.username = "renamed-agent"
    user.save()
    assert "renamed-agent" in _aside(client)


@pytest.mark.django_db
def test_the_current_entry_is_marked_per_page(client, make_user):
    client.force_login(make_user("Support"))
    assert '<a href="/orders/" aria-current="page">Orders</a>' in _aside(client)
    page = client.get("/").content.decode()
    assert '<a href="/" aria-current="page">Home</a>' in page and 'href="/orders/" aria-current' not in page


@pytest.mark.django_db
def test_the_logout_form_carries_the_viewers_own_csrf_token(make_user):
    first, second = Client(enforce_csrf_checks=True), Client(enforce_csrf_checks=True)
    first.force_login(make_user("Support"))
    second.force_login(make_user("Support"))
    first_token = TOKEN.search(first.get("/orders/").content.decode()).group(1)
    second_token = TOKEN.search(second.get("/orders/").content.decode()).group(1)
    assert first_token != second_token
    kept = sidebar._kept("/", None, "x", (), "", False, 0, 0)
    assert "csrfmiddlewaretoken" not in kept and sidebar.CSRF_PLACEHOLDER in kept  # the kept HTML holds none
    # Another person's token does not sign this person out; their own does.
    assert second.post("/accounts/logout/", {"csrfmiddlewaretoken": first_token}).status_code == 403
    assert second.post("/accounts/logout/", {"csrfmiddlewaretoken": second_token}).status_code == 302
    assert second.get("/orders/").status_code == 302  # signed out
    assert first.get("/orders/").status_code == 200
