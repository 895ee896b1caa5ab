"""A GML application schema (XML Schema) of each collection: the geometry type and typed fields of
its features, whatever the collection holds.

Why, beside the JSON Schema at …/schema: GDAL's OAPIF driver (3.6, Debian 12's; QGIS 3.22 reads
through it) takes the fields of a layer from either schema, but its geometry type only from an XML
one (or from the first page of features). An empty collection — protection zones before any
import — then showed as "Unknown (any)". GDAL reads the schema with its GML schema parser, which
needs only the names of the GML property types (it fetches no imported schema), so the document
stays small and is written here from the collection's description.
"""

from __future__ import annotations

from xml.sax.saxutils import quoteattr

from .collections import Collection, Property

XML = "application/xml"
NAMESPACE = "urn:x-heritage-brvt:ogc-features"
GML = "http://www.opengis.net/gml/3.2"
# GeoJSON type of a collection's geometries -> its GML 3.2 property type (GDAL: linear types).
GML_PROPERTY_TYPES = {
    "Point": "gml:PointPropertyType",
    "MultiPoint": "gml:MultiPointPropertyType",
    "LineString": "gml:CurvePropertyType",
    "MultiLineString": "gml:MultiCurvePropertyType",
    "Polygon": "gml:SurfacePropertyType",
    "MultiPolygon": "gml:MultiSurfacePropertyType",
}
XS_TYPES = {"string": "xs:string", "number": "xs:double", "integer": "xs:integer", "boolean": "xs:boolean"}
XS_FORMATS = {"date": "xs:date", "date-time": "xs:dateTime"}


def _element(p: Property) -> str:
    if p.type == "array":
        xs_type = XS_TYPES.get(p.items_type or "string", "xs:string")
        many = ' maxOccurs="unbounded"'
    else:
        xs_type = XS_FORMATS.get(p.format or "", XS_TYPES.get(p.type, "xs:string"))
        many = ""
    return f'          <xs:element name={quoteattr(p.name)} type="{xs_type}" minOccurs="0"{many}/>'


def schema(c: Collection) -> str:
    """The XML Schema text of the collection's features (names are ours: no request value here)."""
    type_name = f"{c.id}Type"
    geometry = GML_PROPERTY_TYPES.get(c.geometry_type, "gml:GeometryPropertyType")
    elements = "\n".join(_element(p) for p in c.output_properties)
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" xmlns:gml="{GML}" xmlns:h="{NAMESPACE}"
           targetNamespace="{NAMESPACE}" elementFormDefault="qualified" version="1.0">
  <xs:import namespace="{GML}" schemaLocation="http://schemas.opengis.net/gml/3.2.1/gml.xsd"/>
  <xs:element name={quoteattr(c.id)} type={quoteattr("h:" + type_name)} substitutionGroup="gml:AbstractFeature"/>
  <xs:complexType name={quoteattr(type_name)}>
    <xs:complexContent>
      <xs:extension base="gml:AbstractFeatureType">
        <xs:sequence>
          <xs:element name="geometry" type="{geometry}" minOccurs="0"/>
{elements}
        </xs:sequence>
      </xs:extension>
    </xs:complexContent>
  </xs:complexType>
</xs:schema>
"""
