//! placeholder
mod harness_tests;
