"""Real clients against a real ``htkg serve``: Apache Jena (Debian ``libapache-jena-java``) and rdflib's
SPARQLStore, as users point them at the endpoint; and the W3C protocol tests' relative IRIs."""

from __future__ import annotations

import shutil
import subprocess
import zipfile
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.plugins.stores.sparqlstore import SPARQLStore

pytestmark = pytest.mark.server

JAVA = Path("/usr/share/java")
JENA_JARS = [f"jena-{n}.jar" for n in ("arq", "base", "core", "iri", "dboe-base", "dboe-storage",
                                         "dboe-transaction", "dboe-trans-data", "dboe-index", "tdb2", "rdfconnection")] + \
    [f"{n}.jar" for n in ("commons-cli", "commons-codec", "commons-compress", "commons-csv", "commons-io", "commons-lang3",
                          "dexx.collection", "gson", "jakarta.json-api", "jsonld-java", "jackson-core", "jackson-databind",
                          "jackson-annotations", "httpclient", "httpcore", "slf4j-api", "slf4j-nop", "thrift",
                          "titanium-json-ld", "protobuf", "guava")]
# Jena's client: an ASK query with the Accept header given, read by Jena's own result readers. Jena
# 4.5's HTTP client cannot take a TSV boolean at all (its TSV reader's readAny always reads a row set,
# also from Jena's own TSV): for TSV the answer is fetched and given to Jena's TSV boolean reader.
ASK_CLIENT = """
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import org.apache.jena.riot.rowset.rw.RowSetReaderTSV;
import org.apache.jena.sparql.exec.http.QueryExecutionHTTP;

public class AskClient {
    public static void main(String[] args) throws Exception {
        if (args[2].equals("text/tab-separated-values")) {
            String url = args[0] + "?query=" + URLEncoder.encode(args[1], StandardCharsets.UTF_8);
            HttpRequest req = HttpRequest.newBuilder(URI.create(url)).header("Accept", args[2]).build();
            HttpResponse<java.io.InputStream> resp = HttpClient.newHttpClient().send(req, HttpResponse.BodyHandlers.ofInputStream());
            System.out.println(RowSetReaderTSV.booleanFromTSV(resp.body()));
            return;
        }
        try (QueryExecutionHTTP qe = QueryExecutionHTTP.service(args[0]).query(args[1]).acceptHeader(args[2]).build()) {
            System.out.println(qe.execAsk());
        }
    }
}
"""


@pytest.fixture(scope="module")
def jena(tmp_path_factory) -> list[str]:
    """The command that runs the Jena client: Debian's Jena 4.5 needs the XML Schema message files of
    its relocated Xerces on the classpath under the package its code looks in (it fails to start
    with "internal error" otherwise); they are copied out of jena-core into a folder of the classpath."""
    assert shutil.which("javac"), "a JDK is needed (.ci/run installs Debian's libapache-jena-java and a JDK)"
    folder = tmp_path_factory.mktemp("jena")
    with zipfile.ZipFile(JAVA / "jena-core.jar") as jar:
        for name in jar.namelist():
            for inside, outside in (("org/apache/jena/ext/xerces/impl/msg/", "xerces/impl/msg/"),
                                    ("org/apache/jena/ext/xerces/impl/xpath/regex/", "xerces/impl/xpath/regex/")):
                if name.startswith(inside) and name.endswith(".properties"):
                    target = folder / outside / name[len(inside):]
                    target.parent.mkdir(parents=True, exist_ok=True)
                    target.write_bytes(jar.read(name))
    classpath = ":".join([str(folder)] + [str(JAVA / j) for j in JENA_JARS])
    (folder / "AskClient.java").write_text(ASK_CLIENT, encoding="utf-8")
    subprocess.run(["javac", "-cp", classpath, "-d", str(folder), str(folder / "AskClient.java")], check=True,
                   capture_output=True, timeout=120)
    return ["java", "-cp", classpath, "AskClient"]


@pytest.mark.parametrize("accept", ["text/csv", "text/tab-separated-values", "application/sparql-results+json",
                                    "application/sparql-results+xml"])
def test_jena_reads_ask_answers(server, jena, accept):
    """Jena 4.5 could not read an ASK answer in CSV/TSV written as a bare `true`."""
    for query, expected in (("ASK { ?s ?p ?o }", "true"), ("ASK { <urn:x:nothing> ?p ?o }", "false")):
        done = subprocess.run([*jena, server.url + "/sparql", query, accept], capture_output=True, text=True,
                              timeout=120)
        assert done.returncode == 0, done.stderr[-2000:]
        assert done.stdout.strip() == expected, (accept, done.stdout, done.stderr[-500:])


def test_rdflib_sparqlstore_with_json_reads_construct_and_describe(server, release):
    """rdflib's SPARQLStore(returnFormat="json") asks for SPARQL JSON whatever the query: htkg answered a
    CONSTRUCT with 406; it now sends a graph (Turtle), which rdflib reads by its content type."""
    store = SPARQLStore(server.url + "/sparql", returnFormat="json")
    ovc = URIRef(release.base_iri + "id/org/ovc")
    label = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
    result = store.query(f"CONSTRUCT {{ <{ovc}> <{label}> ?l }} WHERE {{ <{ovc}> <{label}> ?l }}")
    graph = Graph()
    for triple in result:
        graph.add(triple)
    assert (ovc, label, Literal("Office for Victims of Crime", lang="en")) in graph
    described = list(store.query(f"DESCRIBE <{ovc}>"))
    assert described and all(t[0] == ovc or t[2] == ovc for t in described)
    rows = list(store.query(f"SELECT ?l WHERE {{ <{ovc}> <{label}> ?l }}"))
    assert rows and str(rows[0][0]) == "Office for Victims of Crime"
    assert store.query("ASK { ?s ?p ?o }").askAnswer is True


def test_relative_iris_resolve_against_the_endpoint(server, release):
    """The W3C protocol tests send `CONSTRUCT { <s> <p> 1 } WHERE {}` without BASE: it failed with "IRI
    parsing failed"; relative IRIs now resolve against the endpoint's address (base IRI + sparql)."""
    import urllib.parse
    import urllib.request
    data = urllib.parse.urlencode({"query": "CONSTRUCT { <s> <p> 1 } WHERE {}"}).encode()
    req = urllib.request.Request(server.url + "/sparql", data=data, headers={"Accept": "application/n-triples"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        graph = Graph().parse(data=resp.read().decode(), format="nt")
    assert set(graph) == {(URIRef(release.base_iri + "s"), URIRef(release.base_iri + "p"), Literal(1))}
