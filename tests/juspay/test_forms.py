import pytest

from dashboard.juspay.forms import FulfillmentRequest


def test_a_command_juspay_added_later_goes_out_as_given():
    form = FulfillmentRequest(
        fulfillment_status="SUCCESS", fulfillment_command="RELEASE_HOLD", fulfillment_id="F-1"
    ).to_form()
    assert form["fulfillment_command"] == "RELEASE_HOLD" and form["fulfillment_status"] == "SUCCESS"


@pytest.mark.parametrize("command", ["", "release hold", "drop table;"])
def test_a_command_that_is_not_an_upper_snake_name_is_refused(command):
    with pytest.raises(ValueError, match="fulfillment_command"):
        FulfillmentRequest(fulfillment_status="SUCCESS", fulfillment_command=command, fulfillment_id="F-1")
