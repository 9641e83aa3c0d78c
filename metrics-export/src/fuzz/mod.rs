//! The entry points of the fuzz targets (`tests/fuzz`), with the checks each makes on what it
//! is given: the targets call them with libFuzzer's inputs, `tests/fuzz_corpus.rs` with every
//! committed corpus file. Feature `fuzzing`; not part of the API. A failed check panics.

#[cfg(feature = "server")]
mod handler;
mod write;

use crate::parse::{self, Exposition, ParseError};
use crate::{ExpositionFormat, OPENMETRICS_CONTENT_TYPE, TEXT_CONTENT_TYPE};

#[cfg(feature = "server")]
pub use handler::handler;

/// An OpenMetrics exposition (UTF-8; other bytes are skipped) is parsed, or rejected with an
/// error on one of its lines. Once parsed, written back it parses to the same families.
pub fn openmetrics(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse::openmetrics(input) {
        Ok(exposition) => {
            let written = write::openmetrics(&exposition);
            same(&exposition, parse::openmetrics(&written), &written);
        }
        Err(err) => on_a_line(&err, input),
    }
}

/// A Prometheus text format 0.0.4 exposition: as [`openmetrics`].
pub fn text(data: &[u8]) {
    let Ok(input) = std::str::from_utf8(data) else {
        return;
    };
    match parse::text(input) {
        Ok(exposition) => {
            let written = write::text(&exposition);
            same(&exposition, parse::text(&written), &written);
        }
        Err(err) => on_a_line(&err, input),
    }
}

/// An `Accept` header (UTF-8) chooses one of the two formats, whatever the case of its
/// letters, and whatever unreadable range follows; OpenMetrics only when a range can match it
/// (its type or a wildcard is named).
pub fn negotiate(data: &[u8]) {
    let Ok(accept) = std::str::from_utf8(data) else {
        return;
    };
    let format = ExpositionFormat::negotiate(Some(accept));
    let known: &[&str] = &[
        TEXT_CONTENT_TYPE,
        OPENMETRICS_CONTENT_TYPE,
        #[cfg(feature = "protobuf")]
        crate::PROTOBUF_CONTENT_TYPE,
    ];
    assert!(known.contains(&format.content_type()), "{format:?}");
    for (variant, header) in [
        ("in lower case", accept.to_ascii_lowercase()),
        ("in upper case", accept.to_ascii_uppercase()),
        ("followed by a range without `/`", format!("{accept},x")),
        ("after a range without `/`", format!("x;q=1,{accept}")),
    ] {
        assert_eq!(
            ExpositionFormat::negotiate(Some(&header)),
            format,
            "{accept:?} chooses {format:?}, but not {variant}"
        );
    }
    if format == ExpositionFormat::OpenMetrics {
        let accept = accept.to_ascii_lowercase();
        assert!(
            accept.contains("application") || accept.contains('*'),
            "{accept:?} chooses OpenMetrics without naming it"
        );
    }
    #[cfg(feature = "protobuf")]
    if format == ExpositionFormat::Protobuf {
        let accept = accept.to_ascii_lowercase();
        assert!(
            accept.contains("io.prometheus.client.metricfamily") && accept.contains("delimited"),
            "{accept:?} chooses protobuf without naming it in full"
        );
    }
}

/// The families of `parsed`, written back and parsed `again` (the text written is shown when
/// they differ). `Debug` compares them: it tells `NaN` from `NaN` as equal, `0.0` from `-0.0`
/// as different.
fn same(parsed: &Exposition, again: Result<Exposition, ParseError>, written: &str) {
    match again {
        Ok(again) => assert_eq!(
            format!("{again:#?}"),
            format!("{parsed:#?}"),
            "written back as:\n{written}"
        ),
        Err(err) => panic!("written back, it does not parse: {err}\n{written}"),
    }
}

/// A rejection names a line of the input, or the one after its last.
fn on_a_line(err: &ParseError, input: &str) {
    let lines = input.split('\n').count();
    assert!(
        (1..=lines + 1).contains(&err.line()),
        "{err}: the input has {lines} lines"
    );
    assert!(!err.message().is_empty(), "{err:?}");
}
