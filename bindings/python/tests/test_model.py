"""Service, Node, Endpoint, Value: construction, equality, repr, dict/JSON forms."""

import copy
import json
import pickle

import pytest

import microreg
from conftest import make_service


def test_keyword_and_positional_construction():
    node = microreg.Node(id="n-1", address="h:1", metadata={"k": "v"})
    assert (node.id, node.address, node.metadata) == ("n-1", "h:1", {"k": "v"})
    assert microreg.Node("n-1", "h:1", {"k": "v"}) == node
    svc = microreg.Service(name="s")
    assert (svc.version, svc.metadata, svc.endpoints, svc.nodes) == ("", {}, [], [])
    value = microreg.Value(name="x", type="int")
    assert value.type == "int" and value.values == []
    endpoint = microreg.Endpoint(name="E")
    assert endpoint.request is None and endpoint.response is None and endpoint.metadata == {}


def test_equality_by_value_and_unhashable():
    a, b = make_service(), make_service()
    assert a != b  # different node ids
    b.nodes = [copy.deepcopy(n) for n in a.nodes]
    assert a == b
    b.nodes[0].metadata["zone"] = "b"
    assert a != b
    assert a != "greeter" and microreg.Node("x") != microreg.Value("x")
    with pytest.raises(TypeError):
        hash(a)


def test_repr_is_readable_and_complete():
    node = microreg.Node(id="greeter-1", address="10.0.0.5:8080", metadata={"k": "v"})
    assert repr(node) == "Node(id='greeter-1', address='10.0.0.5:8080', metadata={'k': 'v'})"
    svc = microreg.Service(name="greeter", version="1.0.0", nodes=[node])
    assert repr(svc) == (
        "Service(name='greeter', version='1.0.0', metadata={}, endpoints=[], "
        "nodes=[Node(id='greeter-1', address='10.0.0.5:8080', metadata={'k': 'v'})])"
    )
    assert repr(microreg.Value("n", "t")) == "Value(name='n', type='t', values=[])"


def test_containers_are_live_python_lists_and_dicts():
    svc = microreg.Service(name="s")
    svc.nodes.append(microreg.Node(id="s-1", address="h:1"))
    svc.metadata["k"] = "v"
    assert len(svc.nodes) == 1 and svc.to_dict()["metadata"] == {"k": "v"}


def test_to_dict_has_go_micro_shape():
    svc = make_service(nodes=2)
    d = svc.to_dict()
    assert set(d) == {"name", "version", "metadata", "endpoints", "nodes"}
    assert set(d["nodes"][0]) == {"id", "address", "metadata"}
    endpoint = d["endpoints"][0]
    assert set(endpoint) == {"name", "request", "response", "metadata"}
    assert endpoint["request"] == {
        "name": "Request",
        "type": "Request",
        "values": [{"name": "name", "type": "string", "values": None}],
    }
    # Empty maps and lists are written as null, as Go writes nil ones.
    assert microreg.Service(name="s").to_dict() == {
        "name": "s", "version": "", "metadata": None, "endpoints": None, "nodes": None,
    }
    assert json.loads(svc.to_json()) == d


def test_round_trips_through_dict_json_pickle_and_copy():
    svc = make_service(nodes=3)
    assert microreg.Service.from_dict(svc.to_dict()) == svc
    assert microreg.Service.from_json(svc.to_json()) == svc
    assert pickle.loads(pickle.dumps(svc)) == svc
    assert copy.deepcopy(svc) == svc
    for obj in (svc.nodes[0], svc.endpoints[0], svc.endpoints[0].request):
        assert type(obj).from_dict(obj.to_dict()) == obj


def test_from_dict_reads_go_micro_nulls():
    doc = {
        "name": "a",
        "version": "1",
        "metadata": None,
        "endpoints": None,
        "nodes": [{"id": "a-1", "address": "h:1", "metadata": None}],
    }
    svc = microreg.Service.from_dict(doc)
    assert svc.metadata == {} and svc.endpoints == [] and svc.nodes[0].metadata == {}


def test_bad_documents_raise_clear_errors():
    with pytest.raises(TypeError, match="takes a dict"):
        microreg.Service.from_dict(["not", "a", "dict"])
    with pytest.raises(microreg.InvalidArgumentError, match="Service JSON"):
        microreg.Service.from_dict({"version": "1"})  # no name
    with pytest.raises(microreg.InvalidArgumentError):
        microreg.Service.from_json("{not json")
    with pytest.raises(microreg.InvalidArgumentError):
        microreg.Node.from_dict({"id": 5})


def test_field_types_are_checked():
    with pytest.raises(TypeError, match="must hold Node objects"):
        microreg.Service(name="s", nodes=[{"id": "x"}])
    with pytest.raises(TypeError, match="list of Node"):
        microreg.Service(name="s", nodes="abc")
    with pytest.raises(TypeError, match="str to str"):
        microreg.Node(id="n", metadata={"k": 1})
    with pytest.raises(TypeError):
        microreg.Node(id=5)
    svc = microreg.Service(name="s")
    with pytest.raises(TypeError):
        svc.endpoints = [microreg.Node("x")]
    # A wrong element slipped in later is caught when the core needs it.
    svc.nodes.append("not a node")
    with pytest.raises(TypeError, match="must hold Node objects"):
        svc.to_dict()


def test_value_that_contains_itself_is_rejected_not_a_crash():
    value = microreg.Value(name="loop")
    value.values.append(value)
    with pytest.raises(microreg.InvalidArgumentError, match="deeper"):
        value.to_dict()
    assert "..." in repr(value)
