use metrics_core::instrument_latency;

#[instrument_latency]
pub fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = input.parse()?;
    let doubled: String = n * 2;
    Ok(doubled)
}

fn main() {
    let _ = parse("1");
}
