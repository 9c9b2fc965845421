//! Fuzz entry points of the server-side decoders (ServerHello, Certificate, ServerKeyExchange, ...).
