//! The tolerance band: a proposal changes the scale only when the usage ratio leaves
//! `[1 - scale_down, 1 + scale_up]` (both ends inclusive, the v1.33+ rule).

/// Per-direction tolerances (KEP-4951). The cluster default is 0.1 both ways.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Tolerances {
    /// Allowed relative drop before scaling down.
    pub scale_down: f64,
    /// Allowed relative rise before scaling up.
    pub scale_up: f64,
}

impl Default for Tolerances {
    fn default() -> Self {
        Self::symmetric(0.1)
    }
}

impl Tolerances {
    /// The same tolerance in both directions.
    pub const fn symmetric(t: f64) -> Self {
        Self {
            scale_down: t,
            scale_up: t,
        }
    }

    /// `isWithin`: is `ratio` inside the band (no change)?
    ///
    /// ```
    /// let t = tidescale::hpa::Tolerances::symmetric(0.1);
    /// assert!(t.within(1.1));      // inclusive, unlike the pre-1.33 |1 - r| <= tol
    /// assert!(!t.within(1.1000001));
    /// assert!(t.within(0.9));
    /// ```
    pub fn within(&self, ratio: f64) -> bool {
        1.0 - self.scale_down <= ratio && ratio <= 1.0 + self.scale_up
    }
}
