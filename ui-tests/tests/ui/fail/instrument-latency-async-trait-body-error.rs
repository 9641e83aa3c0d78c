use async_trait::async_trait;
use metrics_core::instrument_latency;

#[async_trait]
pub trait Parse {
    async fn parse(&self, input: &str) -> Result<u32, std::num::ParseIntError>;
}

pub struct Inside;

#[async_trait]
impl Parse for Inside {
    #[instrument_latency]
    async fn parse(&self, input: &str) -> Result<u32, std::num::ParseIntError> {
        let n: u32 = input.parse()?;
        let doubled: String = n * 2;
        Ok(doubled)
    }
}

pub struct Above;

#[instrument_latency]
#[async_trait]
impl Parse for Above {
    async fn parse(&self, input: &str) -> Result<u32, std::num::ParseIntError> {
        let n: u32 = input.parse()?;
        let tripled: String = n * 3;
        Ok(tripled)
    }
}

fn main() {
    let _ = Inside.parse("1");
    let _ = Above.parse("1");
}
