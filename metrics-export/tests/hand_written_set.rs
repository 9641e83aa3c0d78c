//! A `MetricSet` implemented by hand (the trait is public): the encoders take its descriptions as
//! they are, also those the derive refuses at compile time (an empty HELP text, an empty unit),
//! and the parsers read the result back.

use std::sync::Arc;

use metrics_core::{
    Counter, EncodeMetric, Gauge, Metric, MetricDesc, MetricSet, Registry, SetInfo,
};
use metrics_export::parse;

#[test]
fn empty_help_and_empty_unit_are_left_out() {
    #[derive(Default)]
    struct HandWritten {
        up: Gauge,
        sent: Counter,
    }

    impl MetricSet for HandWritten {
        const INFO: &'static SetInfo = &SetInfo {
            name: "HandWritten",
            module: module_path!(),
            type_id: std::any::TypeId::of::<Self>,
            metrics: &[
                MetricDesc {
                    name: "up_state",
                    help: "",
                    unit: None,
                    kind: Gauge::KIND,
                    label_names: &[],
                    field: "up",
                },
                MetricDesc {
                    name: "sent_bytes_total",
                    help: "Bytes sent",
                    unit: Some(""),
                    kind: Counter::KIND,
                    label_names: &[],
                    field: "sent",
                },
            ],
        };

        fn metric(&self, index: usize) -> Option<&dyn EncodeMetric> {
            [&self.up as &dyn EncodeMetric, &self.sent]
                .get(index)
                .copied()
        }
    }

    let set = Arc::new(HandWritten::default());
    let registry = Registry::new();
    registry.register(Arc::clone(&set));
    set.up.set(1);
    set.sent.inc_by(7);

    let text = metrics_export::encode_text(&registry);
    assert_eq!(
        text,
        "\
# TYPE up_state gauge
up_state 1
# HELP sent_bytes_total Bytes sent
# TYPE sent_bytes_total counter
sent_bytes_total 7
"
    );
    let om = metrics_export::encode_openmetrics(&registry);
    assert_eq!(
        om,
        "\
# TYPE up_state gauge
up_state 1
# TYPE sent_bytes counter
# HELP sent_bytes Bytes sent
sent_bytes_total 7
# EOF
"
    );

    let text = parse::text(&text).unwrap();
    let om = parse::openmetrics(&om).unwrap();
    for exposition in [&text, &om] {
        let up = &exposition.families[0];
        assert_eq!((up.help.as_deref(), up.unit.as_deref()), (None, None));
        assert_eq!(exposition.families[1].unit, None);
    }
}
