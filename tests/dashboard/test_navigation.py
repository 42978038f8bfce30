"""The navigation: which entry a page belongs to."""

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
