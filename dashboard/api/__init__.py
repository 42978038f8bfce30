"""The REST API's cross-cutting parts: token authentication, problem details, cursor pagination, money,
permissions from the pages' permission strings, throttles, and the `/api/` URLs (schema, docs, `/api/v1/`).

The endpoints themselves live with their apps (`orders/api_*.py`, `fulfilment/api_*.py`), mounted here by
string so the layers hold.
"""
