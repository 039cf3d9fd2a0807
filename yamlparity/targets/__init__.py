"""Target adapters: `execute(invocation) -> RawObservation`; no sockets in the engine."""
