"""headroom.wire: sans-IO HTTP/1.1 and server-sent events (pure: bytes in, events out).

* ``request.RequestParser`` / ``response.ResponseParser``: strict incremental parsers producing the
  events of ``events`` (RequestHead / ResponseHead, Data, EndOfMessage); every framing or syntax
  error is a ``headroom.errors.ProtocolError`` carrying the status to answer.
* ``serialize``: heads and chunks for the wire; ``sse.SSESplitter``: event-stream splitter.
* ``limits.Limits``: the size limits; ``numbers``: the only two number parsers of this layer.
* ``coding``: request Content-Encoding (gzip, deflate; zstd where the interpreter has it):
  capped decoding for inspection, deterministic re-encoding of an edited body.
"""
