"""Schemathesis hooks for the contract run (loaded by `hooks` in schemathesis.toml).

Schemathesis sends sample files for the image types it knows (GIF, JPEG, PNG, WebP) and has no
serializer for the other file types an upload takes. Their bodies are the drawn bytes, as for
`application/octet-stream`: the server decides the type by those bytes and refuses what is no
such file with a 422.
"""

import schemathesis

schemathesis.serializer.alias(["application/pdf", "image/avif"], "application/octet-stream")
