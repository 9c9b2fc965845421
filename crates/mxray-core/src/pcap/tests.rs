//! Tests of the pcap analysis.
