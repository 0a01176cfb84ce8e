//! The data model speaks go-micro's JSON exactly.

use microreg::{Endpoint, Service, Value};

const FIXTURE: &str = include_str!("fixtures/gomicro_service.json");

#[test]
fn gomicro_document_round_trips_byte_for_byte() {
    let service = Service::from_json(FIXTURE).expect("fixture parses");
    assert_eq!(service.to_json(), FIXTURE.trim());
}

#[test]
fn gomicro_document_loads_every_field() {
    let service = Service::from_json(FIXTURE).unwrap();
    assert_eq!(service.name, "go.micro.srv.greeter");
    assert_eq!(service.metadata["team"], "core");
    assert_eq!(service.nodes.len(), 2);
    assert_eq!(service.nodes[0].metadata["protocol"], "grpc");
    assert_eq!(service.nodes[1].address, "[fd00::5]:54322");
    assert!(service.nodes[1].metadata.is_empty());

    let hello: &Endpoint = &service.endpoints[0];
    let request: &Value = hello.request.as_ref().unwrap();
    assert_eq!(request.type_name, "Request");
    assert_eq!(request.values[1].values[0].name, "tags");
    assert_eq!(request.values[1].values[0].type_name, "[]string");
    assert!(service.endpoints[1].request.is_none());
    assert!(service.validate_for_register().is_ok());
}

#[test]
fn malformed_json_is_an_error_not_a_panic() {
    for bad in [
        "",
        "{",
        "[]",
        r#"{"name": 5}"#,
        r#"{"name":"a","nodes":{}}"#,
        r#"{"name":"a","nodes":[{"address":"h:1"}]}"#,
    ] {
        let err = Service::from_json(bad).unwrap_err();
        assert!(
            matches!(err, microreg::Error::InvalidArgument(_)),
            "{bad:?} gave {err:?}"
        );
    }
}
