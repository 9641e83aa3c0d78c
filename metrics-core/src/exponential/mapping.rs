//! Where a positive observation lands: its bucket index at schema 8 from the bits of the `f64`
//! (the exponent, and a table lookup of the mantissa), at a lower schema by halving that
//! index; and the bounds of a bucket. The same buckets, to the last bit of every bound, as the
//! Prometheus Go client's native histograms.
//!
//! At schema `s`, with `base = 2^(2^-s)`, bucket `i` holds `(base^(i-1), base^i]`. The Go
//! client finds `i` by a binary search of a table of the `2^s` bounds in `[0.5, 1)` for the
//! fraction `math.Frexp` gives; its table for each schema below 8 is every `2^(8-s)`-th entry of
//! the schema 8 table (it builds them so), hence: index at `s` = `⌈index at 8 / 2^(8-s)⌉`, for
//! schemas -4 to 8 alike. At schema 8 the bounds split the mantissas of an octave into 256
//! buckets, at least 2^-9 of the octave apart: a table of the 512 cells of the mantissa's top 9
//! bits gives the one bucket (or two, told apart by one comparison) a cell meets.

/// The finest resolution: 256 buckets per power of two.
pub(crate) const MAX_SCHEMA: i8 = 8;

/// The upper bound of the zero bucket, 2^-128: the Go client's default
/// (`DefNativeHistogramZeroThreshold`), a bucket bound at every schema.
pub(crate) const ZERO_THRESHOLD: f64 = 2.938_735_877_055_719e-39;
/// Its bits: an observation's bits at most these (and not negative) are in the zero bucket.
pub(crate) const ZERO_THRESHOLD_BITS: u64 = (1023 - 128) << 52;
const _: () = assert!(ZERO_THRESHOLD.to_bits() == ZERO_THRESHOLD_BITS);

/// Buckets at schema -4 above the zero threshold: `(2^-128, 2^-112]` is bucket -7, the one
/// holding `f64::MAX` is bucket 64. The coarsest resolution holds every positive `f64` in these.
pub(crate) const BUCKETS_AT_MIN_SCHEMA: usize = 72;

const MANTISSA: u64 = (1 << 52) - 1;

/// The Go client's `nativeHistogramBounds[8]`, copied: the 256 bucket bounds of the fractions
/// in `[0.5, 1)` at schema 8, `2^(j/256 - 1)` as its table rounds them.
#[rustfmt::skip]
const BOUNDS: [f64; 256] = [
    0.5, 0.5013556375251013, 0.5027149505564014, 0.5040779490592088,
    0.5054446430258502, 0.5068150424757447, 0.5081891574554764, 0.509566998038869,
    0.5109485743270583, 0.5123338964485679, 0.5137229745593818, 0.5151158188430205,
    0.5165124395106142, 0.5179128468009786, 0.5193170509806894, 0.520725062344158,
    0.5221368912137069, 0.5235525479396449, 0.5249720429003435, 0.526395386502313,
    0.5278225891802786, 0.5292536613972564, 0.5306886136446309, 0.5321274564422321,
    0.5335702003384117, 0.5350168559101208, 0.5364674337629877, 0.5379219445313954,
    0.5393803988785598, 0.5408428074966075, 0.5423091811066545, 0.5437795304588847,
    0.5452538663326288, 0.5467321995364429, 0.5482145409081883, 0.549700901315111,
    0.5511912916539204, 0.5526857228508706, 0.5541842058618393, 0.5556867516724088,
    0.5571933712979462, 0.5587040757836845, 0.5602188762048033, 0.5617377836665098,
    0.5632608093041209, 0.564787964283144, 0.5663192597993595, 0.5678547070789026,
    0.5693943173783458, 0.5709381019847808, 0.572486072215902, 0.5740382394200894,
    0.5755946149764913, 0.5771552102951081, 0.5787200368168754, 0.5802891060137493,
    0.5818624293887887, 0.5834400184762408, 0.585021884841625, 0.5866080400818185,
    0.5881984958251406, 0.5897932637314379, 0.5913923554921704, 0.5929957828304968,
    0.5946035575013605, 0.5962156912915756, 0.5978321960199137, 0.5994530835371903,
    0.6010783657263515, 0.6027080545025619, 0.6043421618132907, 0.6059806996384005,
    0.6076236799902344, 0.6092711149137041, 0.6109230164863786, 0.6125793968185725,
    0.6142402680534349, 0.6159056423670379, 0.6175755319684665, 0.6192499490999082,
    0.620928906036742, 0.622612415087629, 0.6243004885946023, 0.6259931389331581,
    0.6276903785123455, 0.6293922197748583, 0.6310986751971253, 0.6328097572894031,
    0.6345254785958666, 0.6362458516947014, 0.637970889198196, 0.6397006037528346,
    0.6414350080393891, 0.6431741147730128, 0.6449179367033329, 0.6466664866145447,
    0.6484197773255048, 0.6501778216898253, 0.6519406325959679, 0.6537082229673385,
    0.6554806057623822, 0.6572577939746774, 0.659039800633032, 0.6608266388015788,
    0.6626183215798706, 0.6644148621029772, 0.6662162735415805, 0.6680225691020727,
    0.6698337620266515, 0.6716498655934177, 0.6734708931164728, 0.6752968579460171,
    0.6771277734684463, 0.6789636531064505, 0.6808045103191123, 0.6826503586020058,
    0.6845012114872953, 0.6863570825438342, 0.688217985377265, 0.690083933630119,
    0.6919549409819159, 0.6938310211492645, 0.6957121878859629, 0.6975984549830999,
    0.6994898362691555, 0.7013863456101023, 0.7032879969095076, 0.7051948041086352,
    0.7071067811865475, 0.7090239421602076, 0.7109463010845827, 0.7128738720527471,
    0.7148066691959849, 0.7167447066838943, 0.718687998724491, 0.7206365595643126,
    0.7225904034885232, 0.7245495448210174, 0.7265139979245261, 0.7284837772007218,
    0.7304588970903234, 0.7324393720732029, 0.7344252166684908, 0.7364164454346837,
    0.7384130729697496, 0.7404151139112358, 0.7424225829363761, 0.7444354947621984,
    0.7464538641456323, 0.7484777058836176, 0.7505070348132126, 0.7525418658117031,
    0.7545822137967112, 0.7566280937263048, 0.7586795205991071, 0.7607365094544071,
    0.762799075372269, 0.7648672334736434, 0.7669409989204777, 0.7690203869158282,
    0.7711054127039704, 0.7731960915705107, 0.7752924388424999, 0.7773944698885442,
    0.7795022001189185, 0.7816156449856788, 0.7837348199827764, 0.7858597406461707,
    0.7879904225539431, 0.7901268813264122, 0.7922691326262467, 0.7944171921585818,
    0.7965710756711334, 0.7987307989543135, 0.8008963778413465, 0.8030678282083853,
    0.805245165974627, 0.8074284071024302, 0.8096175675974316, 0.8118126635086642,
    0.8140137109286738, 0.8162207259936375, 0.8184337248834821, 0.820652723822003,
    0.8228777390769823, 0.8251087869603088, 0.8273458838280969, 0.8295890460808079,
    0.8318382901633681, 0.8340936325652911, 0.8363550898207981, 0.8386226785089391,
    0.8408964152537144, 0.8431763167241966, 0.8454623996346523, 0.8477546807446661,
    0.8500531768592616, 0.8523579048290255, 0.8546688815502312, 0.8569861239649629,
    0.8593096490612387, 0.8616394738731368, 0.8639756154809185, 0.8663180910111553,
    0.8686669176368529, 0.871022112577578, 0.8733836930995842, 0.8757516765159389,
    0.8781260801866495, 0.8805069215187917, 0.8828942179666361, 0.8852879870317771,
    0.8876882462632604, 0.890095013257712, 0.8925083056594671, 0.8949281411607002,
    0.8973545375015533, 0.8997875124702672, 0.9022270839033115, 0.9046732696855155,
    0.9071260877501991, 0.909585556079304, 0.9120516927035263, 0.9145245157024483,
    0.9170040432046711, 0.9194902933879467, 0.9219832844793128, 0.9244830347552253,
    0.9269895625416926, 0.92950288621441, 0.9320230241988943, 0.9345499949706191,
    0.9370838170551498, 0.93962450902828, 0.9421720895161669, 0.9447265771954693,
    0.9472879907934827, 0.9498563490882775, 0.9524316709088368, 0.9550139751351947,
    0.9576032806985735, 0.9601996065815236, 0.9628029718180622, 0.9654133954938133,
    0.9680308967461471, 0.9706554947643201, 0.9732872087896164, 0.9759260581154889,
    0.9785720620876999, 0.9812252401044634, 0.9838856116165875, 0.9865531961276168,
    0.9892280131939752, 0.9919100824251095, 0.9945994234836328, 0.9972960560854698,
];

/// The mantissa of bound `j` (the same for `BOUNDS[j]` in `[0.5, 1)` as for `2 × BOUNDS[j]` in
/// `[1, 2)`), and for `j = 256` one past every mantissa: the next octave's first bound.
const fn mantissa_of_bound(j: usize) -> u64 {
    if j == 256 {
        1 << 52
    } else {
        BOUNDS[j].to_bits() & MANTISSA
    }
}

/// The mantissa bits that select a cell of [`CELLS`].
const CELL_BITS: u32 = 9;
const CELL_SHIFT: u32 = 52 - CELL_BITS;
/// The bound's mantissa in a cell entry (53 bits: `1 << 52` for the next octave's bound).
const BOUND_BITS: u64 = (1 << 53) - 1;

/// For each cell of mantissas (their top 9 bits): the first bound at or after the cell's
/// start, as `j << 53 | mantissa of bound j`. No cell holds two bounds (checked below), so a
/// mantissa `m` of the cell is in bucket `j` when `m <= bound j`, else in bucket `j + 1`.
const CELLS: [u64; 1 << CELL_BITS] = {
    let mut cells = [0u64; 1 << CELL_BITS];
    let mut j = 0;
    let mut cell = 0;
    while cell < cells.len() {
        let start = (cell as u64) << CELL_SHIFT;
        while mantissa_of_bound(j) < start {
            j += 1;
        }
        // At most one bound in the cell: the next one is past its end.
        assert!(j == 256 || mantissa_of_bound(j + 1) >= start + (1 << CELL_SHIFT));
        cells[cell] = (j as u64) << 53 | mantissa_of_bound(j);
        cell += 1;
    }
    cells
};

/// The bucket index at schema 8 of a positive normal `f64` given by its `bits`: the Go
/// client's `sort.SearchFloat64s(bounds, frac) + (exp-1)*256` for
/// `frac, exp := math.Frexp(v)`.
#[inline(always)]
pub(crate) fn index_at_max_schema(bits: u64) -> i32 {
    // The sign bit is clear: the exponent is the top bits.
    #[allow(clippy::cast_possible_truncation)]
    let exponent = (bits >> 52) as i32;
    let mantissa = bits & MANTISSA;
    let cell = CELLS[(mantissa >> CELL_SHIFT) as usize];
    #[allow(clippy::cast_possible_truncation)]
    let first = (cell >> 53) as i32;
    let j = first + i32::from(mantissa > cell & BOUND_BITS);
    j + ((exponent - 1023) << 8)
}

/// The index at a schema `shift` lower of the bucket holding bucket `index`:
/// `⌈index / 2^shift⌉` (two buckets merge into one each step down, bucket `i` into `⌈i/2⌉`).
#[inline(always)]
pub(crate) fn coarser(index: i32, shift: u32) -> i32 {
    (index + (1 << shift) - 1) >> shift
}

/// `2^exponent`, for `-1022 <= exponent <= 1023`.
fn power_of_two(exponent: i32) -> f64 {
    debug_assert!((-1022..=1023).contains(&exponent));
    #[allow(clippy::cast_sign_loss)]
    f64::from_bits(((exponent + 1023) as u64) << 52)
}

/// The upper bound of bucket `index` at `schema`, as the Go client computes it (`getLe`):
/// `f64::MAX` for the bucket that holds it (whose computed bound would be `2^1024`).
pub(crate) fn upper_bound(schema: i32, index: i32) -> f64 {
    if schema < 0 {
        let exponent = index << -schema;
        if exponent >= 1024 {
            return f64::MAX;
        }
        return power_of_two(exponent.max(-1022));
    }
    let within = index & ((1 << schema) - 1);
    #[allow(clippy::cast_sign_loss)]
    let fraction = BOUNDS[(within << (8 - schema)) as usize];
    let exponent = (index >> schema) + 1;
    if exponent >= 1025 {
        return f64::MAX;
    }
    // `fraction × 2^exponent`, in two exact steps so that 2^1024 is never formed.
    (fraction * 2.0) * power_of_two((exponent - 1).max(-1022))
}

/// The lower bound of bucket `index` at `schema`: the upper bound of the one before.
pub(crate) fn lower_bound(schema: i32, index: i32) -> f64 {
    upper_bound(schema, index - 1)
}

/// One value standing for every observation of bucket `index` at `schema`: the harmonic mean
/// of its bounds, `2 / (1/lower + 1/upper)`, which is off from any value of the bucket by at
/// most a relative [`relative_error`] (the bucket's width ratio `γ` gives `(γ-1)/(γ+1)` at
/// both ends).
pub(crate) fn representative(schema: i32, index: i32) -> f64 {
    let lower = lower_bound(schema, index);
    let upper = upper_bound(schema, index);
    2.0 / (1.0 / lower + 1.0 / upper)
}

/// The largest relative error of [`representative`] at `schema`: `(γ-1)/(γ+1)` with
/// `γ = 2^(2^-schema)`.
pub(crate) fn relative_error(schema: i32) -> f64 {
    let gamma = 2f64.powf(2f64.powi(-schema));
    (gamma - 1.0) / (gamma + 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The Go client's `math.Frexp` of a positive normal `v`: `frac` in `[0.5, 1)`, `exp`.
    fn frexp(v: f64) -> (f64, i32) {
        let bits = v.to_bits();
        #[allow(clippy::cast_possible_truncation)]
        let exponent = (bits >> 52) as i32 - 1022;
        (f64::from_bits((bits & MANTISSA) | (1022 << 52)), exponent)
    }

    /// The Go client's index of `v` at `schema`, as `histogramCounts.observe` computes it:
    /// a binary search of the schema's bounds for schemas above 0, the exponent below.
    fn go_index(v: f64, schema: i32) -> i32 {
        let (frac, exp) = frexp(v);
        if schema > 0 {
            let step = 1usize << (8 - schema);
            let bounds: Vec<f64> = BOUNDS.iter().step_by(step).copied().collect();
            let j = bounds.partition_point(|&b| b < frac);
            #[allow(clippy::cast_possible_wrap, clippy::cast_possible_truncation)]
            let j = j as i32;
            j + (exp - 1) * bounds.len() as i32
        } else {
            let mut key = exp;
            if frac == 0.5 {
                key -= 1;
            }
            let offset = (1 << -schema) - 1;
            (key + offset) >> -schema
        }
    }

    /// Values at and around every bound of a few octaves, powers of two, and a spread of
    /// pseudo-random values from the zero threshold to `f64::MAX`.
    fn values() -> Vec<f64> {
        let mut values = Vec::new();
        for octave in [-128, -20, -1, 0, 1, 7, 60, 1023] {
            for &b in &BOUNDS {
                let bound = b * 2f64.powi(octave);
                let bits = bound.to_bits();
                values.extend([bound, f64::from_bits(bits - 1), f64::from_bits(bits + 1)]);
            }
        }
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        for _ in 0..100_000 {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            let bits = x >> 1;
            let v = f64::from_bits(bits);
            if v.is_finite() && v > ZERO_THRESHOLD {
                values.push(v);
            }
        }
        values.extend([
            f64::MAX,
            f64::from_bits(ZERO_THRESHOLD_BITS + 1),
            1.0,
            2.0,
            0.5,
        ]);
        values.retain(|v| v.is_finite() && *v > ZERO_THRESHOLD);
        values
    }

    #[test]
    fn every_index_is_the_go_clients_at_every_schema() {
        for v in values() {
            let at_max = index_at_max_schema(v.to_bits());
            for schema in -4..=i32::from(MAX_SCHEMA) {
                #[allow(clippy::cast_sign_loss)]
                let index = coarser(at_max, (8 - schema) as u32);
                assert_eq!(index, go_index(v, schema), "{v:e} at schema {schema}");
                // The bucket's bounds hold the value.
                assert!(
                    lower_bound(schema, index) < v && v <= upper_bound(schema, index),
                    "{v:e} at schema {schema}: bucket {index}"
                );
            }
        }
    }

    #[test]
    fn bounds_of_known_buckets() {
        assert_eq!(index_at_max_schema(1f64.to_bits()), 0);
        assert_eq!(index_at_max_schema(2f64.to_bits()), 256);
        assert_eq!(upper_bound(0, 0), 1.0);
        assert_eq!(upper_bound(0, 3), 8.0);
        assert_eq!(upper_bound(-2, 1), 16.0);
        assert_eq!(upper_bound(3, 1), 1.0905077326652577);
        assert_eq!(lower_bound(3, 1), 1.0);
        // The Go client's last finite bucket ends at f64::MAX.
        assert_eq!(upper_bound(0, 1024), f64::MAX);
        assert_eq!(upper_bound(8, 1024 * 256), f64::MAX);
        assert_eq!(upper_bound(-4, 64), f64::MAX);
        // Every positive f64 past the zero threshold is in 72 buckets at schema -4.
        let lowest = coarser(index_at_max_schema(ZERO_THRESHOLD_BITS + 1), 12);
        let highest = coarser(index_at_max_schema(f64::MAX.to_bits()), 12);
        assert_eq!((lowest, highest), (-7, 64));
        #[allow(clippy::cast_sign_loss)]
        let span = (highest - lowest + 1) as usize;
        assert_eq!(span, BUCKETS_AT_MIN_SCHEMA);
        assert_eq!(lower_bound(-4, -7), ZERO_THRESHOLD);
    }

    #[test]
    fn the_representative_is_within_the_relative_error_of_its_bucket() {
        for schema in [-4, 0, 3, 8] {
            let alpha = relative_error(schema);
            for index in [-7, -1, 0, 1, 5, 40] {
                let r = representative(schema, index);
                let (lower, upper) = (lower_bound(schema, index), upper_bound(schema, index));
                assert!(lower < r && r < upper);
                let tolerance = alpha * (1.0 + 1e-12);
                assert!((r - lower) / lower <= tolerance, "{schema} {index}");
                assert!((upper - r) / upper <= tolerance, "{schema} {index}");
            }
        }
        assert!((relative_error(3) - 0.043_295).abs() < 1e-6);
    }
}
