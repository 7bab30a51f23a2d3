"""Personal data masked in every log record, whichever logger or handler writes it.

The message, a formatted traceback (exceptions often quote their input: a dotted card number
in a ``ValueError``) and stack info all go through the one detector, ``tools.analyze.pii``, which
finds numbers however they are spaced, dotted or spelled (full-width digits).
"""

from __future__ import annotations

import logging
import traceback
from typing import Any

from tools.analyze.pii import mask_pii

_installed = False


def _masking_factory(base: Any) -> Any:
    def make(*args: Any, **kwargs: Any) -> logging.LogRecord:
        record: logging.LogRecord = base(*args, **kwargs)
        try:
            message = record.getMessage()
        except (TypeError, ValueError):
            return record  # a malformed call: leave it for logging's own error report
        record.msg, record.args = mask_pii(message), None
        if record.exc_info and record.exc_info[1] is not None:
            # Exceptions often quote their input; format them now, masked, and keep the text.
            formatted = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
            record.exc_text = mask_pii(formatted)
            record.exc_info = None  # so no handler formats the unmasked exception again
        if record.stack_info:
            record.stack_info = mask_pii(record.stack_info)
        return record

    return make


def install_pii_log_masking() -> None:
    """Mask personal data (cards, CVVs, expiry dates, SSNs, NI numbers, IBANs, e-mails, phones,
    postcodes) in all log records (installed once)."""
    global _installed
    if _installed:
        return
    logging.setLogRecordFactory(_masking_factory(logging.getLogRecordFactory()))
    _installed = True
