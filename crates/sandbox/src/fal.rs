//! The FAL queue API emulator.
