//! Rota templates, slot generation and booking rules for practice and hub
//! staff. (Being written.)
