use metrics_core::instrument_latency;

#[instrument_latency]
pub fn parse(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = input.parse()?;
    let doubled: String = n * 2;
    Ok(doubled)
}

#[instrument_latency]
pub async fn parse_later(input: &str) -> Result<u32, std::num::ParseIntError> {
    let n: u32 = input.parse()?;
    if n == 0 {
        return Ok("zero");
    }
    Ok(n.to_string())
}

fn main() {
    let _ = parse("1");
    let _ = parse_later("1");
}
