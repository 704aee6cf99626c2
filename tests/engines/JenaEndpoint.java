/*
 * A TEST ENDPOINT STANDING IN FOR APACHE JENA FUSEKI, which is not packaged in Debian (nor on PyPI
 * or npm): the tests of cloudkader's `--store sparql:URL` run Jena's own query engine (ARQ, from
 * Debian's libapache-jena-java) behind the SPARQL 1.1 Protocol and the Graph Store HTTP Protocol,
 * on the paths and with the protocol behaviour of `fuseki-server --update --mem /DATASET`:
 *
 *   /DATASET/query, /DATASET/sparql  SPARQL 1.1 Query: GET ?query=, POST form, POST application/sparql-query
 *                                    (any other Content-Type: 415; none or several query=: 400).
 *   /DATASET/data                    Graph Store Protocol: GET, HEAD, PUT, POST, DELETE with ?graph=IRI
 *                                    or ?default (PUT/POST answer 201 for a new graph, else 200, with
 *                                    Fuseki's JSON counts; DELETE of an absent graph 404).
 *
 * As in Fuseki (SPARQL_QueryDataset, SPARQLProtocol.getDatasetDescription): the dataset is an
 * in-memory transactional DatasetGraph whose default graph is its own (no union default graph); a
 * request's default-graph-uri / named-graph-uri, else the query's FROM / FROM NAMED, pick graphs of
 * the dataset (DynamicDatasets, protocol before query); the query is parsed as ARQ syntax; results
 * are written by Jena's own writers after content negotiation over Fuseki's offers (SPARQL results:
 * JSON, CSV, TSV, XML, text; graphs: Turtle, N-Triples, RDF/XML, JSON-LD, ...), `output=`/`format=`
 * short names override Accept, no Accept gives results XML / Turtle; CORS allows any origin. Like a
 * released Fuseki it sends no Server header. Not implemented (cloudkader does not use them): update,
 * queries and Graph Store on the dataset URL itself, whole-dataset (quads) Graph Store operations,
 * timeouts, authentication.
 *
 * Usage: java -cp JENA_JARS:. JenaEndpoint PORT /DATASET
 */

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import org.apache.jena.atlas.web.AcceptList;
import org.apache.jena.atlas.web.MediaType;
import org.apache.jena.graph.Graph;
import org.apache.jena.graph.Node;
import org.apache.jena.graph.NodeFactory;
import org.apache.jena.query.*;
import org.apache.jena.rdf.model.Model;
import org.apache.jena.riot.Lang;
import org.apache.jena.riot.RDFDataMgr;
import org.apache.jena.riot.RDFLanguages;
import org.apache.jena.riot.RDFParser;
import org.apache.jena.riot.ResultSetMgr;
import org.apache.jena.riot.RiotException;
import org.apache.jena.riot.resultset.ResultSetLang;
import org.apache.jena.sparql.core.DatasetDescription;
import org.apache.jena.sparql.core.DatasetGraph;
import org.apache.jena.sparql.core.DatasetGraphFactory;
import org.apache.jena.sparql.core.DynamicDatasets;
import org.apache.jena.sparql.graph.GraphFactory;
import org.apache.jena.sys.JenaSystem;
import org.apache.jena.system.Txn;

public class JenaEndpoint {
    static final String BASE = "http://server/unset-base/";  // Fuseki.BaseParserSPARQL
    // Fuseki's DEF.rsOfferTable / rsOfferBoolean / rdfOffer, and the output= short names
    static final AcceptList RESULTS = AcceptList.create("application/sparql-results+json", "text/csv",
        "text/tab-separated-values", "application/sparql-results+xml", "text/plain");
    static final AcceptList RDF = AcceptList.create("text/turtle", "application/turtle", "application/x-turtle",
        "application/n-triples", "text/plain", "application/rdf+xml", "application/trix", "application/trix+xml",
        "application/ld+json", "application/rdf+json");
    static final Map<String, String> SHORT = Map.of("json", "application/sparql-results+json",
        "xml", "application/sparql-results+xml", "sparql", "application/sparql-results+xml",
        "text", "text/plain", "csv", "text/csv", "tsv", "text/tab-separated-values");
    static final DatasetGraph DSG = DatasetGraphFactory.createTxnMem();

    static final class Failure extends RuntimeException {
        final int status;
        Failure(int status, String message) { super(message); this.status = status; }
    }

    record Answer(int status, String contentType, byte[] body) {}

    public static void main(String[] args) throws IOException {
        JenaSystem.init();
        int port = Integer.parseInt(args[0]);
        String dataset = args[1].startsWith("/") ? args[1] : "/" + args[1];
        HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 64);
        server.createContext(dataset + "/query", ex -> handle(ex, JenaEndpoint::query));
        server.createContext(dataset + "/sparql", ex -> handle(ex, JenaEndpoint::query));
        server.createContext(dataset + "/data", ex -> handle(ex, JenaEndpoint::graphStore));
        server.setExecutor(Executors.newFixedThreadPool(4));
        server.start();
        System.out.println("listening on http://127.0.0.1:" + port + dataset);
    }

    interface Action { Answer run(HttpExchange ex) throws IOException; }

    static void handle(HttpExchange ex, Action action) throws IOException {
        Answer a;
        try {
            a = action.run(ex);
        } catch (Failure f) {
            a = text(f.status, f.getMessage());
        } catch (RuntimeException e) {
            e.printStackTrace();
            a = text(500, "Server Error: " + e);
        }
        try { ex.getRequestBody().readAllBytes(); } catch (IOException e) { /* already read */ }
        ex.getResponseHeaders().set("Access-Control-Allow-Origin", "*");
        ex.getResponseHeaders().set("Cache-Control", "must-revalidate,no-cache,no-store");
        ex.getResponseHeaders().set("Vary", "Accept,Accept-Encoding,Accept-Charset");
        if (a.contentType != null) ex.getResponseHeaders().set("Content-Type", a.contentType);
        boolean noBody = a.body.length == 0 || ex.getRequestMethod().equals("HEAD");
        ex.sendResponseHeaders(a.status, noBody ? -1 : a.body.length);
        if (!noBody) try (OutputStream out = ex.getResponseBody()) { out.write(a.body); }
        ex.close();
    }

    static Answer text(int status, String message) {
        return new Answer(status, "text/plain; charset=utf-8", (message + "\n").getBytes(StandardCharsets.UTF_8));
    }

    // ---- SPARQL 1.1 Query (Fuseki's SPARQLQueryProcessor + SPARQL_QueryDataset)
    static Answer query(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        if (method.equals("OPTIONS")) {
            ex.getResponseHeaders().set("Allow", "GET,OPTIONS,POST");
            return new Answer(200, null, new byte[0]);
        }
        if (!method.equals("GET") && !method.equals("POST")) throw new Failure(405, "Not a GET or POST request");
        String rawQuery = ex.getRequestURI().getRawQuery();
        if (method.equals("GET") && rawQuery == null) throw new Failure(404, "Service Description: " + ex.getRequestURI());
        Map<String, List<String>> params = parseForm(rawQuery);
        String ctype = mediaType(ex.getRequestHeaders().getFirst("Content-Type"));
        String queryString;
        if (method.equals("POST") && ctype != null && ctype.equals("application/sparql-query")) {
            queryString = new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
        } else if (method.equals("GET") || ctype == null || ctype.equals("application/x-www-form-urlencoded")) {
            if (method.equals("POST"))
                parseForm(new String(ex.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)).forEach(
                    (k, v) -> params.computeIfAbsent(k, x -> new ArrayList<>()).addAll(v));
            List<String> q = params.getOrDefault("query", List.of());
            if (q.isEmpty()) throw new Failure(400, "SPARQL Query: No 'query=' parameter");
            if (q.size() > 1) throw new Failure(400, "SPARQL Query: Multiple 'query=' parameters");
            queryString = q.get(0);
            if (queryString.isEmpty()) throw new Failure(400, "SPARQL Query: Empty query string");
        } else {
            throw new Failure(415, "Unsupported: " + ctype);
        }
        Query query;
        try {
            query = QueryFactory.create(queryString, BASE, Syntax.syntaxARQ);
        } catch (QueryParseException e) {
            throw new Failure(400, "Parse error: \n" + queryString + "\n" + e.getMessage());
        }
        // the dataset: the protocol's description, else the query's, picks graphs of the dataset
        List<String> dft = nonEmpty(params.get("default-graph-uri")), named = nonEmpty(params.get("named-graph-uri"));
        DatasetDescription desc = !dft.isEmpty() || !named.isEmpty() ? DatasetDescription.create(dft, named)
            : query.hasDatasetDescription() ? DatasetDescription.create(query) : null;
        DatasetGraph dsg = DSG;
        if (desc != null) {
            dsg = DynamicDatasets.dynamicDataset(desc, DSG, false);
            query.getGraphURIs().clear();
            query.getNamedGraphURIs().clear();
        }
        String output = first(params, "output", first(params, "format", null));
        boolean graphResult = query.isConstructType() || query.isDescribeType();
        String mime = output != null && !graphResult ? SHORT.getOrDefault(output.toLowerCase(), output)
            : negotiate(ex, graphResult ? RDF : RESULTS, graphResult ? "text/turtle" : "application/sparql-results+xml");
        final DatasetGraph target = dsg;
        final Query q = query;
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        Txn.executeRead(DSG, () -> {
            try (QueryExecution qe = QueryExecutionFactory.create(q, DatasetFactory.wrap(target))) {
                if (q.isSelectType()) {
                    ResultSetMgr.write(out, qe.execSelect(), resultsLang(mime));
                } else if (q.isAskType()) {
                    ResultSetMgr.write(out, qe.execAsk(), resultsLang(mime));
                } else {
                    Model m = q.isConstructType() ? qe.execConstruct() : qe.execDescribe();
                    RDFDataMgr.write(out, m, rdfLang(mime));
                }
            }
        });
        return new Answer(200, withCharset(mime), out.toByteArray());
    }

    static Lang resultsLang(String mime) {
        return switch (mime) {
            case "application/sparql-results+json" -> ResultSetLang.RS_JSON;
            case "application/sparql-results+xml" -> ResultSetLang.RS_XML;
            case "text/csv" -> ResultSetLang.RS_CSV;
            case "text/tab-separated-values" -> ResultSetLang.RS_TSV;
            case "text/plain" -> ResultSetLang.RS_Text;
            default -> throw new Failure(400, "Can't determine output serialization: " + mime);
        };
    }

    static Lang rdfLang(String mime) {
        Lang lang = mime.equals("text/plain") ? Lang.NTRIPLES : RDFLanguages.contentTypeToLang(mime);
        if (lang == null || !RDFLanguages.isTriples(lang)) throw new Failure(406, "No RDF syntax for " + mime);
        return lang;
    }

    // ---- Graph Store Protocol, indirect naming (Fuseki's GSP_RW on /DATASET/data)
    static Answer graphStore(HttpExchange ex) throws IOException {
        String method = ex.getRequestMethod();
        Map<String, List<String>> params = parseForm(ex.getRequestURI().getRawQuery());
        boolean dflt = params.containsKey("default");
        String graph = first(params, "graph", null);
        if (method.equals("OPTIONS")) {
            ex.getResponseHeaders().set("Allow", "GET,HEAD,OPTIONS,PUT,DELETE,POST");
            return new Answer(200, null, new byte[0]);
        }
        if (dflt && graph != null) throw new Failure(400, "Both ?default and ?graph in the same request");
        if (!dflt && graph == null)
            throw new Failure(400, "Neither ?default nor ?graph: whole-dataset (quads) operations are not "
                + "implemented by this test endpoint");
        Node name = dflt ? null : NodeFactory.createURI(ex.getRequestURI().resolve(graph).toString());
        String label = dflt ? "default graph" : "<" + name.getURI() + ">";
        switch (method) {
            case "GET", "HEAD" -> {
                String mime = negotiate(ex, RDF, "text/turtle");
                ByteArrayOutputStream out = new ByteArrayOutputStream();
                boolean found = Txn.calculateRead(DSG, () -> {
                    if (name != null && !DSG.containsGraph(name)) return false;
                    RDFDataMgr.write(out, name == null ? DSG.getDefaultGraph() : DSG.getGraph(name), rdfLang(mime));
                    return true;
                });
                if (!found) throw new Failure(404, "No such graph: " + label);
                return new Answer(200, withCharset(mime), out.toByteArray());
            }
            case "PUT", "POST" -> {
                String ctype = mediaType(ex.getRequestHeaders().getFirst("Content-Type"));
                if (ctype == null) throw new Failure(400, "No Content-Type:");
                Lang lang = ctype.equals("text/plain") ? Lang.NTRIPLES : RDFLanguages.contentTypeToLang(ctype);
                if (lang == null || !RDFLanguages.isTriples(lang))
                    throw new Failure(415, "Unknown content type for triples: " + ctype);
                Graph incoming = GraphFactory.createGraphMem();  // parsed first: a bad body changes nothing
                try {
                    RDFParser.source(ex.getRequestBody()).lang(lang).base(name == null ? BASE : name.getURI()).parse(incoming);
                } catch (RiotException e) {
                    throw new Failure(400, "Parse error: " + e.getMessage());
                }
                boolean existed = Txn.calculateWrite(DSG, () -> {
                    boolean before = name == null || DSG.containsGraph(name);
                    Graph g = name == null ? DSG.getDefaultGraph() : DSG.getGraph(name);
                    if (method.equals("PUT")) g.clear();
                    incoming.find().forEachRemaining(g::add);
                    return before;
                });
                long n = incoming.size();
                String json = "{ \"count\" : " + n + " , \"tripleCount\" : " + n + " , \"quadCount\" : 0 }\n";
                return new Answer(existed ? 200 : 201, "application/json; charset=utf-8", json.getBytes(StandardCharsets.UTF_8));
            }
            case "DELETE" -> {
                boolean existed = Txn.calculateWrite(DSG, () -> {
                    if (name == null) { DSG.getDefaultGraph().clear(); return true; }
                    if (!DSG.containsGraph(name)) return false;
                    DSG.removeGraph(name);
                    return true;
                });
                if (!existed) throw new Failure(404, "No such graph: " + label);
                return new Answer(204, null, new byte[0]);
            }
            default -> throw new Failure(405, "HTTP method not allowed: " + method);
        }
    }

    // ---- helpers
    static String negotiate(HttpExchange ex, AcceptList offer, String fallback) {
        String accept = ex.getRequestHeaders().getFirst("Accept");
        if (accept == null || accept.isBlank()) return fallback;
        MediaType m = AcceptList.match(new AcceptList(accept), offer);
        return m == null ? fallback : m.getContentTypeStr();
    }

    static String withCharset(String mime) {
        return mime.endsWith("xml") ? mime : mime + "; charset=utf-8";
    }

    static String mediaType(String header) {
        return header == null || header.isBlank() ? null : header.split(";")[0].trim().toLowerCase();
    }

    static Map<String, List<String>> parseForm(String raw) {
        Map<String, List<String>> params = new LinkedHashMap<>();
        if (raw == null || raw.isEmpty()) return params;
        for (String pair : raw.split("&")) {
            if (pair.isEmpty()) continue;
            int eq = pair.indexOf('=');
            String k = URLDecoder.decode(eq < 0 ? pair : pair.substring(0, eq), StandardCharsets.UTF_8);
            String v = eq < 0 ? "" : URLDecoder.decode(pair.substring(eq + 1), StandardCharsets.UTF_8);
            params.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
        }
        return params;
    }

    static String first(Map<String, List<String>> params, String key, String fallback) {
        List<String> v = params.get(key);
        return v == null || v.isEmpty() ? fallback : v.get(0);
    }

    static List<String> nonEmpty(List<String> values) {
        List<String> out = new ArrayList<>();
        if (values != null) for (String v : values) if (v != null && !v.isEmpty()) out.add(v);
        return out;
    }
}
