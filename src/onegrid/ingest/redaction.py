"""What a dead letter keeps of a refused message: all of it, but no resident ID in clear."""

from __future__ import annotations

from collections.abc import Container
from typing import TYPE_CHECKING

import msgspec

from onegrid.ingest.decode import Refusal
from onegrid.platform.sharing.identity import mask_resident_ids

if TYPE_CHECKING:  # the writer imports this module
    from onegrid.ingest.writer import Delivery


def redacted(delivery: Delivery, refusal: Refusal) -> tuple[Delivery, Refusal]:
    """The message and its refusal as the dead-letter table and topic keep them: each resident
    ID in the key, the value, the signature header, the reason, the dataset and the department
    masked where it stands (mask_resident_ids; with the refusal's declared ones, valid or not);
    every other byte, the topic, partition and offset as they were."""
    known = refusal.resident_ids
    return (msgspec.structs.replace(delivery, key=_masked(delivery.key, known),
                                    value=_masked(delivery.value, known),
                                    signature=_masked(delivery.signature, known)),
            Refusal(mask_resident_ids(refusal.reason, known),
                    mask_resident_ids(refusal.dataset, known),
                    mask_resident_ids(refusal.department, known)))


def _masked(data: bytes | None, known: Container[str]) -> bytes | None:
    """``data`` with its resident IDs masked. UTF-8 is read as text (full-width digits too);
    any other bytes (a message refused as not UTF-8: GBK, say) one character a byte, where an
    ASCII digit is still that digit, and every other byte comes back unchanged."""
    if data is None:
        return None
    try:
        return mask_resident_ids(data.decode("utf-8"), known).encode("utf-8")
    except UnicodeDecodeError:
        return mask_resident_ids(data.decode("latin-1"), known).encode("latin-1")
