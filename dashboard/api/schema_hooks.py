"""drf-spectacular postprocessing: the path parameters every endpoint shares, described once."""

from __future__ import annotations

from typing import Any

PATH_PARAMETERS = {
    "id": "The request's number (#12 on the pages).",
    "order_id": "Juspay's order id, as on the order page (add ?merchant= when two merchants share it).",
    "payout_order_id": "The payout order's id at Juspay.",
    "pk": "The object's number.",
}


def describe_path_parameters(result: dict[str, Any], **_: Any) -> dict[str, Any]:
    for item in result.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                if parameter.get("in") == "path" and not parameter.get("description"):
                    parameter["description"] = PATH_PARAMETERS.get(parameter["name"], "")
    return result
