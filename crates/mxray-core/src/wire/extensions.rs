//! (being written: record layer and ClientHello)
