"""Media types of submitted files: the signatures their content must start with, and a file's bytes
carried together with the media type checked at the door, so both are stored in one transaction.

Owns: `UPLOAD_TYPES` (media type -> signatures; empty for plain text), `Upload` (bytes with their media
type, stored as they are by engine.cases.writes) and `signature_type` (the media type whose signature a
content starts with, or None), which `zhongcai verify` uses to flag a file stored without its type.
Stage in the flow: 6 (run) and 7 (verify). Used by engine.cases.writes, engine.oversight.verify, engine.demo.seed, the API.
May import: nothing of the engine.
"""

from __future__ import annotations

#: media types a party or clerk may upload, with the magic bytes their content must start with
UPLOAD_TYPES: dict[str, tuple[bytes, ...]] = {
    "application/pdf": (b"%PDF-",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "application/ofd": (b"PK\x03\x04",),
    "text/plain": (),
}
#: the media type of a document whose type nobody stated (a receipt note, bytes from the library API)
UNSTATED = "application/octet-stream"


class Upload(bytes):
    """The content of a submitted file with its checked media type.

    >>> u = Upload(b"%PDF-1.7 ...", "application/pdf")
    >>> (bytes(u)[:5], u.media_type)
    (b'%PDF-', 'application/pdf')
    """

    media_type: str

    def __new__(cls, content: bytes, media_type: str) -> Upload:
        made = super().__new__(cls, content)
        made.media_type = media_type
        return made


def signature_type(content: bytes) -> str | None:
    """The media type whose signature `content` starts with, or None.

    >>> signature_type(b"\\x89PNG\\r\\n\\x1a\\n...")
    'image/png'
    >>> signature_type(b"v1") is None
    True
    """
    for media, signatures in UPLOAD_TYPES.items():
        if any(content.startswith(sig) for sig in signatures):
            return media
    return None
