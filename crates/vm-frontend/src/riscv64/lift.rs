//! Lifter (being written).
