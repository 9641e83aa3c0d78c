//! The Remote Write 1.0 wire messages (`prometheus/prompb/remote.proto` and `types.proto`),
//! the fields a sender fills, as hand-written `prost` 0.14 messages (no build script, no
//! `protoc`), for reading what [`RemoteWrite::write_request`](super::RemoteWrite::write_request)
//! builds (`prost::Message` encodes and decodes them).

/// A write request: the series of one push.
#[derive(Clone, PartialEq, prost::Message)]
pub struct WriteRequest {
    /// The series.
    #[prost(message, repeated, tag = "1")]
    pub timeseries: Vec<TimeSeries>,
}

/// One series: its labels (sorted by name, `__name__` among them) and its samples, or for a
/// native histogram series its histogram samples.
#[derive(Clone, PartialEq, prost::Message)]
pub struct TimeSeries {
    /// The labels, sorted by name.
    #[prost(message, repeated, tag = "1")]
    pub labels: Vec<Label>,
    /// The samples, oldest first.
    #[prost(message, repeated, tag = "2")]
    pub samples: Vec<Sample>,
    /// The native histogram samples, oldest first.
    #[prost(message, repeated, tag = "4")]
    pub histograms: Vec<Histogram>,
}

/// A native histogram sample (`prometheus.Histogram`, integer counts): exponential buckets at
/// powers of `2^(2^-schema)`, in spans with the count of each bucket given as its difference
/// from the previous one.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Histogram {
    /// The number of observations.
    #[prost(oneof = "histogram::Count", tags = "1, 2")]
    pub count: Option<histogram::Count>,
    /// The sum of the observations.
    #[prost(double, tag = "3")]
    pub sum: f64,
    /// The resolution, -4 to 8: `2^schema` buckets per power of two.
    #[prost(sint32, tag = "4")]
    pub schema: i32,
    /// The upper bound of the zero bucket.
    #[prost(double, tag = "5")]
    pub zero_threshold: f64,
    /// The zero bucket's count.
    #[prost(oneof = "histogram::ZeroCount", tags = "6, 7")]
    pub zero_count: Option<histogram::ZeroCount>,
    /// The runs of positive buckets.
    #[prost(message, repeated, tag = "11")]
    pub positive_spans: Vec<BucketSpan>,
    /// Each positive bucket's count less the previous one's (the first's less 0).
    #[prost(sint64, repeated, tag = "12")]
    pub positive_deltas: Vec<i64>,
    /// A [`histogram::ResetHint`].
    #[prost(enumeration = "histogram::ResetHint", tag = "14")]
    pub reset_hint: i32,
    /// Milliseconds since the Unix epoch.
    #[prost(int64, tag = "15")]
    pub timestamp: i64,
}

/// The `oneof`s and the enum of [`Histogram`].
pub mod histogram {
    /// The number of observations.
    #[derive(Clone, Copy, PartialEq, prost::Oneof)]
    pub enum Count {
        /// As an integer.
        #[prost(uint64, tag = "1")]
        CountInt(u64),
        /// As a float (float histograms).
        #[prost(double, tag = "2")]
        CountFloat(f64),
    }

    /// The zero bucket's count.
    #[derive(Clone, Copy, PartialEq, prost::Oneof)]
    pub enum ZeroCount {
        /// As an integer.
        #[prost(uint64, tag = "6")]
        ZeroCountInt(u64),
        /// As a float (float histograms).
        #[prost(double, tag = "7")]
        ZeroCountFloat(f64),
    }

    /// Whether the counts were reset since the previous sample.
    #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, prost::Enumeration)]
    #[repr(i32)]
    pub enum ResetHint {
        /// The receiver finds out.
        Unknown = 0,
        /// Reset.
        Yes = 1,
        /// Not reset.
        No = 2,
        /// A gauge histogram.
        Gauge = 3,
    }
}

/// A run of consecutive buckets of a [`Histogram`].
#[derive(Clone, Copy, PartialEq, Eq, prost::Message)]
pub struct BucketSpan {
    /// The gap from the previous span's end, or for the first span the index of its first
    /// bucket.
    #[prost(sint32, tag = "1")]
    pub offset: i32,
    /// The number of buckets.
    #[prost(uint32, tag = "2")]
    pub length: u32,
}

/// A label pair.
#[derive(Clone, PartialEq, Eq, prost::Message)]
pub struct Label {
    /// The label name.
    #[prost(string, tag = "1")]
    pub name: String,
    /// The label value.
    #[prost(string, tag = "2")]
    pub value: String,
}

/// A sample: a value at a time.
#[derive(Clone, PartialEq, prost::Message)]
pub struct Sample {
    /// The value.
    #[prost(double, tag = "1")]
    pub value: f64,
    /// Milliseconds since the Unix epoch.
    #[prost(int64, tag = "2")]
    pub timestamp: i64,
}
