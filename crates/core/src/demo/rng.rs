//! The population's random numbers: a small generator that draws the same
//! on every platform.

use uuid::Uuid;

/// SplitMix64 (Steele, Lea and Flood, 2014): small, fast, and the same on
/// every platform, which is all a synthetic population needs.
pub(super) struct Rng(u64);

impl Rng {
    pub(super) fn new(seed: u64) -> Self {
        Self(seed)
    }
    pub(super) fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in 0..n.
    pub(super) fn below(&mut self, n: u64) -> u64 {
        self.next_u64() % n.max(1)
    }
    pub(super) fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }
    pub(super) fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len() as u64) as usize]
    }
    pub(super) fn uuid(&mut self) -> Uuid {
        let mut bytes = [0u8; 16];
        bytes[..8].copy_from_slice(&self.next_u64().to_le_bytes());
        bytes[8..].copy_from_slice(&self.next_u64().to_le_bytes());
        uuid::Builder::from_random_bytes(bytes).into_uuid()
    }
}

/// `k` distinct indices drawn in proportion to `weights` (integer
/// arithmetic only, so every platform draws the same). Chosen weights are
/// set to zero; fewer than `k` come back when the weights run out.
pub(super) fn pick_weighted(rng: &mut Rng, weights: &mut [u64], k: usize) -> Vec<usize> {
    let mut chosen = Vec::with_capacity(k);
    for _ in 0..k {
        let total: u64 = weights.iter().sum();
        if total == 0 {
            break;
        }
        let mut roll = rng.below(total);
        for (i, w) in weights.iter_mut().enumerate() {
            if roll < *w {
                chosen.push(i);
                *w = 0;
                break;
            }
            roll -= *w;
        }
    }
    chosen
}
