import json
import logging

from campaign.log import JsonFormatter


def format_record(message, *args, **extra):
    record = logging.makeLogRecord({"name": "t", "levelname": "INFO", "msg": message, "args": args, **extra})
    return json.loads(JsonFormatter().format(record))


def test_one_json_object_per_line_with_extra_fields():
    entry = format_record("GET %s %s", "/appel/", 200, request_id="abc123def456ghi789jkl012", duration_ms=1.5)

    assert entry["message"] == "GET /appel/ 200"
    assert (entry["level"], entry["logger"], entry["request_id"], entry["duration_ms"]) == (
        "INFO",
        "t",
        "abc123def456ghi789jkl012",
        1.5,
    )


def test_emails_and_tokens_are_masked_but_module_paths_are_not():
    entry = format_record(
        "Not Found: /signer/retirer/Zq3kD9-aP0x_7LmNb2QrStUv/ for zoe.lhote@example.org "
        "in campaign.tasks.deliver_pending_emails"
    )

    assert entry["message"] == "Not Found: /signer/retirer/[…]/ for [email] in campaign.tasks.deliver_pending_emails"
