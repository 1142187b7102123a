//! The persistence ports of one store, borrowed together: most suites need several (a job
//! needs a user and a balance; an avatar's training is a job).

use aisha_domain::ports::{Avatars, Gallery, Jobs, Ledger, Payments, Promos, Users};

#[derive(Clone, Copy)]
pub struct Stores<'a> {
    pub users: &'a dyn Users,
    pub ledger: &'a dyn Ledger,
    pub jobs: &'a dyn Jobs,
    pub gallery: &'a dyn Gallery,
    pub avatars: &'a dyn Avatars,
    pub payments: &'a dyn Payments,
    pub promos: &'a dyn Promos,
}

/// A store that implements every persistence port (the memory and SQL stores do).
pub trait AllPorts: Users + Ledger + Jobs + Gallery + Avatars + Payments + Promos {}
impl<T: Users + Ledger + Jobs + Gallery + Avatars + Payments + Promos> AllPorts for T {}

impl<'a> Stores<'a> {
    pub fn of<T: AllPorts>(store: &'a T) -> Self {
        Self {
            users: store,
            ledger: store,
            jobs: store,
            gallery: store,
            avatars: store,
            payments: store,
            promos: store,
        }
    }
}
