//! Seeded traffic generator (stub, being written).
