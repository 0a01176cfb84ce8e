//! Service, Node, Endpoint and Value as Python classes.
//!
//! They behave like dataclasses: keyword (or positional) construction, mutable
//! attributes, equality by value, a readable repr, and `to_dict()`/`from_dict()` in
//! go-micro's JSON shape. Containers (`metadata`, `nodes`, ...) are real Python
//! dicts and lists, so `service.nodes.append(node)` works; element types are
//! checked when the object is handed to the core.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyTuple, PyType};
use pyo3::{PyClass, PyTypeInfo};
use serde::de::DeserializeOwned;
use serde::Serialize;

use microreg::limits::MAX_VALUE_DEPTH;
use microreg::{Endpoint, Metadata, Node, Service, Value};

use crate::errors;

// ---------------------------------------------------------------- helpers

/// A fresh `dict[str, str]` from any mapping (or None), checked.
fn metadata_from_py(
    py: Python<'_>,
    owner: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyDict>> {
    let dict = match value {
        None => return Ok(PyDict::new(py).unbind()),
        Some(value) if value.is_none() => return Ok(PyDict::new(py).unbind()),
        Some(value) => PyDict::type_object(py)
            .call1((value,))
            .map_err(|_| {
                pyo3::exceptions::PyTypeError::new_err(format!(
                    "{owner}.metadata must be a mapping of str to str, not {}",
                    type_name(value)
                ))
            })?
            .cast_into::<PyDict>()?,
    };
    metadata_to_core(owner, &dict)?;
    Ok(dict.unbind())
}

fn metadata_to_core(owner: &str, dict: &Bound<'_, PyDict>) -> PyResult<Metadata> {
    let mut metadata = Metadata::new();
    for (key, value) in dict.iter() {
        let (Ok(k), Ok(v)) = (key.extract::<String>(), value.extract::<String>()) else {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "{owner}.metadata must map str to str; found {}: {}",
                type_name(&key),
                type_name(&value)
            )));
        };
        metadata.insert(k, v);
    }
    Ok(metadata)
}

/// A fresh list holding only `T` objects, from any iterable (or None).
fn typed_list<T: PyClass>(
    py: Python<'_>,
    owner: &str,
    field: &str,
    value: Option<&Bound<'_, PyAny>>,
) -> PyResult<Py<PyList>> {
    let list = PyList::empty(py);
    if let Some(value) = value.filter(|v| !v.is_none()) {
        if value.is_instance_of::<pyo3::types::PyString>() {
            return Err(pyo3::exceptions::PyTypeError::new_err(format!(
                "{owner}.{field} must be a list of {}, not str",
                T::NAME
            )));
        }
        for item in value.try_iter()? {
            let item = item?;
            check_item::<T>(owner, field, &item)?;
            list.append(item)?;
        }
    }
    Ok(list.unbind())
}

fn check_item<T: PyClass>(owner: &str, field: &str, item: &Bound<'_, PyAny>) -> PyResult<()> {
    if item.is_instance_of::<T>() {
        Ok(())
    } else {
        Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{owner}.{field} must hold {} objects, found {}",
            T::NAME,
            type_name(item)
        )))
    }
}

fn type_name(value: &Bound<'_, PyAny>) -> String {
    value
        .get_type()
        .name()
        .map(|n| n.to_string())
        .unwrap_or_else(|_| "?".into())
}

fn repr(value: &Bound<'_, PyAny>) -> PyResult<String> {
    Ok(value.repr()?.to_string())
}

fn str_repr(py: Python<'_>, value: &str) -> PyResult<String> {
    repr(&pyo3::types::PyString::new(py, value).into_any())
}

/// go-micro's JSON shape of a core value, as Python dicts and lists.
fn to_dict<'py, T: Serialize>(py: Python<'py>, value: &T) -> PyResult<Bound<'py, PyAny>> {
    let json = serde_json::to_string(value)
        .map_err(|e| errors::new_error("InternalError", e.to_string()))?;
    py.import("json")?.call_method1("loads", (json,))
}

/// Reads go-micro's JSON shape (a dict) into a core value.
fn from_dict<T: DeserializeOwned>(what: &str, data: &Bound<'_, PyAny>) -> PyResult<T> {
    if !data.is_instance_of::<PyDict>() {
        return Err(pyo3::exceptions::PyTypeError::new_err(format!(
            "{what}.from_dict() takes a dict, not {}",
            type_name(data)
        )));
    }
    let json: String = data
        .py()
        .import("json")?
        .call_method1("dumps", (data,))?
        .extract()?;
    from_json(what, &json)
}

fn from_json<T: DeserializeOwned>(what: &str, json: &str) -> PyResult<T> {
    serde_json::from_str(json).map_err(|e| errors::invalid(format!("{what} JSON: {e}")))
}

fn json_of<T: Serialize>(value: &T) -> PyResult<String> {
    serde_json::to_string(value).map_err(|e| errors::new_error("InternalError", e.to_string()))
}

/// Value equality of two objects of one class, by their fields.
fn fields_eq(
    py: Python<'_>,
    mine: Bound<'_, PyTuple>,
    theirs: Option<Bound<'_, PyTuple>>,
) -> PyResult<Py<PyAny>> {
    match theirs {
        Some(theirs) => Ok(mine
            .eq(theirs)?
            .into_pyobject(py)?
            .to_owned()
            .into_any()
            .unbind()),
        None => Ok(py.NotImplemented()),
    }
}

/// `(cls.from_dict, (self.to_dict(),))`: pickling and `copy` go through the dict form.
fn reduce<'py>(
    py: Python<'py>,
    class: Bound<'py, PyType>,
    dict: Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyTuple>> {
    PyTuple::new(
        py,
        [
            class.getattr("from_dict")?,
            PyTuple::new(py, [dict])?.into_any(),
        ],
    )
}

// ---------------------------------------------------------------- Value

/// The shape of a request or response type, field by field.
#[pyclass(module = "microreg", name = "Value")]
pub struct PyValue {
    #[pyo3(get, set)]
    name: String,
    #[pyo3(get, set, name = "type")]
    type_name: String,
    values: Py<PyList>,
}

impl PyValue {
    pub fn from_core(py: Python<'_>, value: Value) -> PyResult<Py<PyValue>> {
        let values = PyList::empty(py);
        for v in value.values {
            values.append(PyValue::from_core(py, v)?)?;
        }
        Py::new(
            py,
            PyValue {
                name: value.name,
                type_name: value.type_name,
                values: values.unbind(),
            },
        )
    }

    pub fn to_core(&self, py: Python<'_>, depth: usize) -> PyResult<Value> {
        if depth > MAX_VALUE_DEPTH {
            return Err(errors::invalid(format!(
                "Value nests deeper than {MAX_VALUE_DEPTH} levels (or contains itself)"
            )));
        }
        let mut values = Vec::new();
        for item in self.values.bind(py).iter() {
            check_item::<PyValue>("Value", "values", &item)?;
            let item = item.cast_into::<PyValue>()?;
            values.push(item.borrow().to_core(py, depth + 1)?);
        }
        Ok(Value {
            name: self.name.clone(),
            type_name: self.type_name.clone(),
            values,
        })
    }

    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (&self.name, &self.type_name, self.values.bind(py)).into_pyobject(py)
    }
}

#[pymethods]
impl PyValue {
    #[new]
    #[pyo3(signature = (name, r#type = String::new(), values = None),
           text_signature = "(name, type='', values=None)")]
    fn new(
        py: Python<'_>,
        name: String,
        r#type: String,
        values: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyValue {
            name,
            type_name: r#type,
            values: typed_list::<PyValue>(py, "Value", "values", values)?,
        })
    }

    #[getter]
    fn values(&self, py: Python<'_>) -> Py<PyList> {
        self.values.clone_ref(py)
    }

    #[setter]
    fn set_values(&mut self, py: Python<'_>, values: &Bound<'_, PyAny>) -> PyResult<()> {
        self.values = typed_list::<PyValue>(py, "Value", "values", Some(values))?;
        Ok(())
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.to_core(py, 1)?)
    }

    #[staticmethod]
    fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyValue>> {
        PyValue::from_core(py, from_dict("Value", data)?)
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        json_of(&self.to_core(py, 1)?)
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Py<PyValue>> {
        PyValue::from_core(py, from_json("Value", json)?)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let theirs = match other.cast::<PyValue>() {
            Ok(o) => Some(o.borrow().fields(py)?),
            Err(_) => None,
        };
        fields_eq(py, self.fields(py)?, theirs)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Value(name={}, type={}, values={})",
            str_repr(py, &self.name)?,
            str_repr(py, &self.type_name)?,
            repr(self.values.bind(py))?
        ))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        reduce(py, slf.get_type(), slf.borrow().to_dict(py)?)
    }
}

// ---------------------------------------------------------------- Endpoint

/// A callable endpoint of a service (an RPC method or a subscriber).
#[pyclass(module = "microreg", name = "Endpoint")]
pub struct PyEndpoint {
    #[pyo3(get, set)]
    name: String,
    #[pyo3(get, set)]
    request: Option<Py<PyValue>>,
    #[pyo3(get, set)]
    response: Option<Py<PyValue>>,
    metadata: Py<PyDict>,
}

impl PyEndpoint {
    pub fn from_core(py: Python<'_>, endpoint: Endpoint) -> PyResult<Py<PyEndpoint>> {
        let value = |v: Option<Value>| v.map(|v| PyValue::from_core(py, v)).transpose();
        Py::new(
            py,
            PyEndpoint {
                name: endpoint.name,
                request: value(endpoint.request)?,
                response: value(endpoint.response)?,
                metadata: endpoint.metadata.into_pyobject(py)?.unbind(),
            },
        )
    }

    pub fn to_core(&self, py: Python<'_>) -> PyResult<Endpoint> {
        let value = |v: &Option<Py<PyValue>>| {
            v.as_ref()
                .map(|v| v.bind(py).borrow().to_core(py, 1))
                .transpose()
        };
        Ok(Endpoint {
            name: self.name.clone(),
            request: value(&self.request)?,
            response: value(&self.response)?,
            metadata: metadata_to_core("Endpoint", self.metadata.bind(py))?,
        })
    }

    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (
            &self.name,
            self.request.as_ref().map(|v| v.bind(py)),
            self.response.as_ref().map(|v| v.bind(py)),
            self.metadata.bind(py),
        )
            .into_pyobject(py)
    }
}

#[pymethods]
impl PyEndpoint {
    #[new]
    #[pyo3(signature = (name, request = None, response = None, metadata = None))]
    fn new(
        py: Python<'_>,
        name: String,
        request: Option<Py<PyValue>>,
        response: Option<Py<PyValue>>,
        metadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyEndpoint {
            name,
            request,
            response,
            metadata: metadata_from_py(py, "Endpoint", metadata)?,
        })
    }

    #[getter]
    fn metadata(&self, py: Python<'_>) -> Py<PyDict> {
        self.metadata.clone_ref(py)
    }

    #[setter]
    fn set_metadata(&mut self, py: Python<'_>, metadata: &Bound<'_, PyAny>) -> PyResult<()> {
        self.metadata = metadata_from_py(py, "Endpoint", Some(metadata))?;
        Ok(())
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.to_core(py)?)
    }

    #[staticmethod]
    fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyEndpoint>> {
        PyEndpoint::from_core(py, from_dict("Endpoint", data)?)
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        json_of(&self.to_core(py)?)
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Py<PyEndpoint>> {
        PyEndpoint::from_core(py, from_json("Endpoint", json)?)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let theirs = match other.cast::<PyEndpoint>() {
            Ok(o) => Some(o.borrow().fields(py)?),
            Err(_) => None,
        };
        fields_eq(py, self.fields(py)?, theirs)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let value = |v: &Option<Py<PyValue>>| match v {
            Some(v) => repr(v.bind(py).as_any()),
            None => Ok("None".to_string()),
        };
        Ok(format!(
            "Endpoint(name={}, request={}, response={}, metadata={})",
            str_repr(py, &self.name)?,
            value(&self.request)?,
            value(&self.response)?,
            repr(self.metadata.bind(py))?
        ))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        reduce(py, slf.get_type(), slf.borrow().to_dict(py)?)
    }
}

// ---------------------------------------------------------------- Node

/// One running instance of a service, at `address` ("host:port").
#[pyclass(module = "microreg", name = "Node")]
pub struct PyNode {
    #[pyo3(get, set)]
    id: String,
    #[pyo3(get, set)]
    address: String,
    metadata: Py<PyDict>,
}

impl PyNode {
    pub fn from_core(py: Python<'_>, node: Node) -> PyResult<Py<PyNode>> {
        Py::new(
            py,
            PyNode {
                id: node.id,
                address: node.address,
                metadata: node.metadata.into_pyobject(py)?.unbind(),
            },
        )
    }

    pub fn to_core(&self, py: Python<'_>) -> PyResult<Node> {
        Ok(Node {
            id: self.id.clone(),
            address: self.address.clone(),
            metadata: metadata_to_core("Node", self.metadata.bind(py))?,
        })
    }

    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (&self.id, &self.address, self.metadata.bind(py)).into_pyobject(py)
    }
}

#[pymethods]
impl PyNode {
    #[new]
    #[pyo3(signature = (id, address = String::new(), metadata = None),
           text_signature = "(id, address='', metadata=None)")]
    fn new(
        py: Python<'_>,
        id: String,
        address: String,
        metadata: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyNode {
            id,
            address,
            metadata: metadata_from_py(py, "Node", metadata)?,
        })
    }

    #[getter]
    fn metadata(&self, py: Python<'_>) -> Py<PyDict> {
        self.metadata.clone_ref(py)
    }

    #[setter]
    fn set_metadata(&mut self, py: Python<'_>, metadata: &Bound<'_, PyAny>) -> PyResult<()> {
        self.metadata = metadata_from_py(py, "Node", Some(metadata))?;
        Ok(())
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.to_core(py)?)
    }

    #[staticmethod]
    fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyNode>> {
        PyNode::from_core(py, from_dict("Node", data)?)
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        json_of(&self.to_core(py)?)
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Py<PyNode>> {
        PyNode::from_core(py, from_json("Node", json)?)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let theirs = match other.cast::<PyNode>() {
            Ok(o) => Some(o.borrow().fields(py)?),
            Err(_) => None,
        };
        fields_eq(py, self.fields(py)?, theirs)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Node(id={}, address={}, metadata={})",
            str_repr(py, &self.id)?,
            str_repr(py, &self.address)?,
            repr(self.metadata.bind(py))?
        ))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        reduce(py, slf.get_type(), slf.borrow().to_dict(py)?)
    }
}

// ---------------------------------------------------------------- Service

/// A named service at one version, with the nodes that serve it.
#[pyclass(module = "microreg", name = "Service")]
pub struct PyService {
    #[pyo3(get, set)]
    name: String,
    #[pyo3(get, set)]
    version: String,
    metadata: Py<PyDict>,
    endpoints: Py<PyList>,
    nodes: Py<PyList>,
}

impl PyService {
    pub fn from_core(py: Python<'_>, service: Service) -> PyResult<Py<PyService>> {
        let endpoints = PyList::empty(py);
        for endpoint in service.endpoints {
            endpoints.append(PyEndpoint::from_core(py, endpoint)?)?;
        }
        let nodes = PyList::empty(py);
        for node in service.nodes {
            nodes.append(PyNode::from_core(py, node)?)?;
        }
        Py::new(
            py,
            PyService {
                name: service.name,
                version: service.version,
                metadata: service.metadata.into_pyobject(py)?.unbind(),
                endpoints: endpoints.unbind(),
                nodes: nodes.unbind(),
            },
        )
    }

    /// A Python list of services.
    pub fn list_from_core(py: Python<'_>, services: Vec<Service>) -> PyResult<Py<PyAny>> {
        let list = PyList::empty(py);
        for service in services {
            list.append(PyService::from_core(py, service)?)?;
        }
        Ok(list.into_any().unbind())
    }

    /// The core's copy, with every element type checked.
    pub fn to_core(&self, py: Python<'_>) -> PyResult<Service> {
        let mut endpoints = Vec::new();
        for item in self.endpoints.bind(py).iter() {
            check_item::<PyEndpoint>("Service", "endpoints", &item)?;
            endpoints.push(item.cast_into::<PyEndpoint>()?.borrow().to_core(py)?);
        }
        let mut nodes = Vec::new();
        for item in self.nodes.bind(py).iter() {
            check_item::<PyNode>("Service", "nodes", &item)?;
            nodes.push(item.cast_into::<PyNode>()?.borrow().to_core(py)?);
        }
        Ok(Service {
            name: self.name.clone(),
            version: self.version.clone(),
            metadata: metadata_to_core("Service", self.metadata.bind(py))?,
            endpoints,
            nodes,
        })
    }

    fn fields<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        (
            &self.name,
            &self.version,
            self.metadata.bind(py),
            self.endpoints.bind(py),
            self.nodes.bind(py),
        )
            .into_pyobject(py)
    }
}

#[pymethods]
impl PyService {
    #[new]
    #[pyo3(signature = (name, version = String::new(), metadata = None, endpoints = None, nodes = None),
           text_signature = "(name, version='', metadata=None, endpoints=None, nodes=None)")]
    fn new(
        py: Python<'_>,
        name: String,
        version: String,
        metadata: Option<&Bound<'_, PyAny>>,
        endpoints: Option<&Bound<'_, PyAny>>,
        nodes: Option<&Bound<'_, PyAny>>,
    ) -> PyResult<Self> {
        Ok(PyService {
            name,
            version,
            metadata: metadata_from_py(py, "Service", metadata)?,
            endpoints: typed_list::<PyEndpoint>(py, "Service", "endpoints", endpoints)?,
            nodes: typed_list::<PyNode>(py, "Service", "nodes", nodes)?,
        })
    }

    #[getter]
    fn metadata(&self, py: Python<'_>) -> Py<PyDict> {
        self.metadata.clone_ref(py)
    }

    #[setter]
    fn set_metadata(&mut self, py: Python<'_>, metadata: &Bound<'_, PyAny>) -> PyResult<()> {
        self.metadata = metadata_from_py(py, "Service", Some(metadata))?;
        Ok(())
    }

    #[getter]
    fn endpoints(&self, py: Python<'_>) -> Py<PyList> {
        self.endpoints.clone_ref(py)
    }

    #[setter]
    fn set_endpoints(&mut self, py: Python<'_>, endpoints: &Bound<'_, PyAny>) -> PyResult<()> {
        self.endpoints = typed_list::<PyEndpoint>(py, "Service", "endpoints", Some(endpoints))?;
        Ok(())
    }

    #[getter]
    fn nodes(&self, py: Python<'_>) -> Py<PyList> {
        self.nodes.clone_ref(py)
    }

    #[setter]
    fn set_nodes(&mut self, py: Python<'_>, nodes: &Bound<'_, PyAny>) -> PyResult<()> {
        self.nodes = typed_list::<PyNode>(py, "Service", "nodes", Some(nodes))?;
        Ok(())
    }

    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        to_dict(py, &self.to_core(py)?)
    }

    #[staticmethod]
    fn from_dict(py: Python<'_>, data: &Bound<'_, PyAny>) -> PyResult<Py<PyService>> {
        PyService::from_core(py, from_dict("Service", data)?)
    }

    fn to_json(&self, py: Python<'_>) -> PyResult<String> {
        Ok(self.to_core(py)?.to_json())
    }

    #[staticmethod]
    fn from_json(py: Python<'_>, json: &str) -> PyResult<Py<PyService>> {
        PyService::from_core(py, from_json("Service", json)?)
    }

    fn __eq__(&self, py: Python<'_>, other: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let theirs = match other.cast::<PyService>() {
            Ok(o) => Some(o.borrow().fields(py)?),
            Err(_) => None,
        };
        fields_eq(py, self.fields(py)?, theirs)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        Ok(format!(
            "Service(name={}, version={}, metadata={}, endpoints={}, nodes={})",
            str_repr(py, &self.name)?,
            str_repr(py, &self.version)?,
            repr(self.metadata.bind(py))?,
            repr(self.endpoints.bind(py))?,
            repr(self.nodes.bind(py))?
        ))
    }

    fn __reduce__<'py>(slf: &Bound<'py, Self>) -> PyResult<Bound<'py, PyTuple>> {
        let py = slf.py();
        reduce(py, slf.get_type(), slf.borrow().to_dict(py)?)
    }
}
