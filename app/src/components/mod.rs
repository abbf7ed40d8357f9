//! Reusable pieces of NHS design system markup.

pub mod layout;
