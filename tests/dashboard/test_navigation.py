"""The navigation: which entry a page belongs to."""

import pytest

from dashboard.navigation import current_url_name


def test_the_navigation_marks_the_section_a_page_belongs_to():
    items = [
        {"url": "/", "url_name": "home"},
        {"url": "/approvals/", "url_name": "fulfilment:queue"},
        {"url": "/approvals/policy/", "url_name": "fulfilment:policy"},
    ]
    assert current_url_name(items, "/") == "home"
    assert current_url_name(items, "/approvals/12/") == "fulfilment:queue"
    assert current_url_name(items, "/approvals/policy/") == "fulfilment:policy"
    assert current_url_name(items, "/orders/") == ""


@pytest.mark.django_db
def test_a_full_page_shows_only_the_entries_the_person_may_open(client, make_user):
    client.force_login(make_user("Support"))
    page = client.get("/orders/").content.decode()
    assert 'href="/orders/"' in page and ">Orders<" in page
    assert ">Audit log<" not in page and ">People &amp; roles<" not in page
    client.force_login(make_user("Admin"))
    page = client.get("/orders/").content.decode()
    assert ">Audit log<" in page and ">People &amp; roles<" in page


@pytest.mark.django_db
def test_an_htmx_fragment_works_out_no_navigation(client, make_user, monkeypatch):
    from dashboard import navigation

    def refuse(user):
        raise AssertionError("a fragment shows no navigation: nothing should compute it")

    monkeypatch.setattr(navigation, "items_for", refuse)
    client.force_login(make_user("Support"))
    assert client.get("/orders/search/?q=", headers={"HX-Request": "true"}).status_code == 200
    with pytest.raises(AssertionError, match="no navigation"):
        client.get("/orders/")
