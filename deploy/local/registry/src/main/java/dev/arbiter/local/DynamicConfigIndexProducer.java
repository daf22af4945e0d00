package dev.arbiter.local;

import io.apicurio.common.apps.config.DynamicConfigPropertyList;
import java.util.List;
import javax.enterprise.context.ApplicationScoped;
import javax.enterprise.inject.Produces;

/**
 * Stands in for the bean the config-index Quarkus extension generates at build time (its deployment jar is not on
 * Maven Central). An empty list means no registry setting is editable at runtime through the admin API; every
 * setting still comes from configuration as usual. Nothing else in the registry changes.
 */
@ApplicationScoped
public class DynamicConfigIndexProducer {
    @Produces
    @ApplicationScoped
    DynamicConfigPropertyList dynamicConfigPropertyList() {
        return new DynamicConfigPropertyList(List.of());
    }
}
