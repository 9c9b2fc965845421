//! (being written: server-side decoders)
