// One member of a local cluster (devtools/localnode/cluster.py), run by `java` as a single source file.
//
// OpenSearchRunner started with one node forces discovery.type=single-node, and names every node
// "Node 1", over anything in opensearch.yml. Here the runner is told, before it builds the node, that
// discovery is multi-node and what this node is called (-Dvindbaar.node.name); the peers, ports and the
// first cluster managers come from the member's opensearch.yml.
import org.codelibs.opensearch.runner.OpenSearchRunner;

public final class ClusterNode {
    public static void main(final String[] args) throws Exception {
        final OpenSearchRunner runner = new OpenSearchRunner();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                runner.close();
            } catch (final Exception e) {
                e.printStackTrace();
            }
        }));
        runner.onBuild((index, settings) -> settings
                .put("discovery.type", "zen")
                .put("node.name", System.getProperty("vindbaar.node.name", "node-" + index)));
        try {
            runner.build(args);
        } catch (final RuntimeException e) {
            e.printStackTrace(); // the runner's own main exits silently on a failed start
            System.exit(1);
        }
        while (!runner.isClosed()) {
            Thread.sleep(5000);
        }
    }
}
