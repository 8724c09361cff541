//! Vector's VRL parsers as Vector runs them: a compiled program
//! (`parse_aws_alb_log!(.message)`, `parse_aws_vpc_flow_log!(.message)`)
//! resolved by a `Runtime` against an event whose `message` is the log line. Built only with the `vrl`
//! feature (a large dependency tree that the normal build does without).

use anyhow::{Result, anyhow};
use vrl::compiler::runtime::Runtime;
use vrl::compiler::state::RuntimeState;
use vrl::compiler::{Program, TargetValue, TimeZone};
use vrl::prelude::Bytes;
use vrl::value::{Secrets, Value};

/// One compiled VRL parser.
pub struct VrlParser {
    program: Program,
    runtime: Runtime,
    timezone: TimeZone,
    /// The event, reused: only its `message` changes from line to line.
    target: TargetValue,
}

impl VrlParser {
    /// `parse_aws_alb_log` in non-strict mode (newer trailing fields are
    /// ignored instead of failing the line, as our parser keeps them).
    pub fn alb() -> Result<Self> {
        Self::compile("parse_aws_alb_log!(.message, strict_mode: false)")
    }

    /// `parse_aws_vpc_flow_log` with the default (version 2) format.
    pub fn vpc_flow() -> Result<Self> {
        Self::compile("parse_aws_vpc_flow_log!(.message)")
    }

    fn compile(source: &str) -> Result<Self> {
        let functions = vrl::stdlib::all();
        let compiled = vrl::compiler::compile(source, &functions).map_err(|diagnostics| {
            anyhow!("VRL program {source:?} does not compile: {diagnostics:?}")
        })?;
        Ok(VrlParser {
            program: compiled.program,
            runtime: Runtime::new(RuntimeState::default()),
            timezone: TimeZone::default(),
            target: TargetValue {
                value: Value::Object([("message".into(), Value::Null)].into_iter().collect()),
                metadata: Value::Object(Default::default()),
                secrets: Secrets::default(),
            },
        })
    }

    /// Parses one line into VRL's object value; `None` when VRL rejects it.
    pub fn parse(&mut self, line: &Bytes) -> Option<Value> {
        if let Value::Object(event) = &mut self.target.value
            && let Some(message) = event.get_mut("message")
        {
            *message = Value::Bytes(line.clone());
        }
        let result = self
            .runtime
            .resolve(&mut self.target, &self.program, &self.timezone);
        self.runtime.clear();
        result.ok().filter(|v| matches!(v, Value::Object(_)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_what_vector_parses() {
        let mut alb = VrlParser::alb().unwrap();
        let line = Bytes::from_static(br#"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-""#);
        let Some(Value::Object(fields)) = alb.parse(&line) else {
            panic!("VRL parses the documented ALB line")
        };
        assert_eq!(fields.get("elb_status_code"), Some(&Value::from("200")));
        assert!(alb.parse(&Bytes::from_static(b"not alb")).is_none());
        let mut vpc = VrlParser::vpc_flow().unwrap();
        let line = Bytes::from_static(b"2 123456789010 eni-1235b8ca123456789 172.31.16.139 172.31.16.21 20641 22 6 20 4249 1418530010 1418530070 ACCEPT OK");
        let Some(Value::Object(fields)) = vpc.parse(&line) else {
            panic!("VRL parses the documented flow record")
        };
        assert_eq!(fields.get("dstport"), Some(&Value::from(22)));
    }
}
