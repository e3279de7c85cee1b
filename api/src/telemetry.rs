//! What the process writes about itself: log lines on standard error, each
//! inside the span of the request it serves (`request{id=…}`: the id the
//! client got in `x-request-id`), and, when `--otlp-endpoint` names a
//! collector, the same spans exported as traces over OTLP/HTTP
//! (docs/OBSERVABILITY.md).

use crate::config::Settings;
use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::{Protocol, WithExportConfig};
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;
use tracing_subscriber::EnvFilter;

/// Keeps the trace exporter running; dropped, it sends what it holds and stops.
#[derive(Debug)]
pub struct Telemetry {
    provider: Option<SdkTracerProvider>,
}

impl Drop for Telemetry {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            if let Err(error) = provider.shutdown() {
                eprintln!("exporting the last traces: {error}");
            }
        }
    }
}

/// Installs the process's logging (and trace export), once, for as long as
/// the returned value lives. Inside a Tokio runtime.
pub fn init(settings: &Settings) -> anyhow::Result<Telemetry> {
    let filter = EnvFilter::try_new(&settings.log).unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = tracing_subscriber::fmt::layer().with_writer(std::io::stderr);
    let provider = match settings.otlp_endpoint.as_deref() {
        None => None,
        Some(endpoint) => {
            let exporter = opentelemetry_otlp::SpanExporter::builder()
                .with_http()
                .with_protocol(Protocol::HttpBinary)
                .with_endpoint(endpoint)
                .with_timeout(std::time::Duration::from_secs(10))
                .build()?;
            let resource = opentelemetry_sdk::Resource::builder().with_service_name("motcua").build();
            Some(SdkTracerProvider::builder().with_batch_exporter(exporter).with_resource(resource).build())
        }
    };
    let traces =
        provider.as_ref().map(|provider| tracing_opentelemetry::layer().with_tracer(provider.tracer("motcua")));
    tracing_subscriber::registry().with(filter).with(logs).with(traces).try_init()?;
    Ok(Telemetry { provider })
}
